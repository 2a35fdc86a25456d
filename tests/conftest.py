"""Shared fixtures: a CliRunner, the demo store (built once, copied per test), the real data."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from plhgis import demo
from plhgis.cli import cli
from plhgis.store import GeoPackageStore

SHARED = Path(os.environ.get("PLHGIS_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """The offline suite reaches nothing but loopback."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")) \
                and self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"network blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run the CLI; returns click's Result (exit_code, output, stdout, stderr)."""
    def run(*args, input=None):
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    return run


@pytest.fixture(scope="session")
def _demo_master(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "plh.gpkg"
    demo.build(path).close()
    return path


@pytest.fixture
def demo_path(_demo_master, tmp_path) -> Path:
    """A private copy of the demo store."""
    path = tmp_path / "plh.gpkg"
    shutil.copy(_demo_master, path)
    return path


@pytest.fixture
def demo_store(demo_path):
    store = GeoPackageStore(demo_path, user="test")
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path):
    store = GeoPackageStore.create(tmp_path / "empty.gpkg")
    store.user = "test"
    yield store
    store.close()


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a clean skip on a user's fresh clone."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED


def snapshot(path) -> dict:
    """Every table's rows of a store, to assert that a failed command changed nothing."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'rtree_%' AND name NOT LIKE 'sqlite_%'")]
        return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    finally:
        con.close()
