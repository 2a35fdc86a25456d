"""Long commands show a progress bar on a terminal, and nothing when piped."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LONG = {  # command → the bar's label
    "check": (["check"], "Contrôles"),
    "map": (["map", "-o", "carte.html"], "Carte"),
    "import": (["import", "projects", "projets.geojson", "--dry-run"], "Import"),
    "pack --all": (["pack", "--all", "-o", "packs"], "Dossiers des communes"),
}


def _on_a_terminal(args, cwd) -> tuple[str, str]:
    """Run the CLI with stderr on a pseudo-terminal: (stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    with open(cwd / "stdout.txt", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "plhgis", *args], stdout=out, stderr=slave,
                                stdin=subprocess.DEVNULL, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})
        os.close(slave)
        shown = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown.append(chunk)
        proc.wait(timeout=300)
    os.close(master)
    return (cwd / "stdout.txt").read_text(encoding="utf-8"), b"".join(shown).decode("utf-8", "replace")


@pytest.fixture
def workdir(demo_path, invoke):
    assert invoke("export", "projects", demo_path.parent / "projets.geojson", "--store", demo_path).exit_code == 0
    return demo_path.parent


@pytest.mark.parametrize("command", list(LONG))
def test_a_bar_on_a_terminal_and_nothing_when_piped(command, workdir, invoke, monkeypatch):
    args, label = LONG[command]
    stdout, terminal = _on_a_terminal([*args, "--store", "plh.gpkg"], workdir)
    assert label in terminal and "100%" in terminal, terminal[-500:]
    assert label not in stdout and "100%" not in stdout  # the data stays clean
    monkeypatch.chdir(workdir)
    piped = invoke(*[a.replace("packs", "packs-2").replace("carte", "carte-2") for a in args], "--store", "plh.gpkg")
    assert piped.exit_code in (0, 1), piped.output
    assert label not in piped.stderr and "100%" not in piped.stderr
