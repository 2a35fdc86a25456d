"""A throw-away PostgreSQL + PostGIS cluster for the tests and benchmarks.

`Cluster.start()` runs initdb in a temporary folder, starts the server on a free loopback
port (unix socket in the same folder, password authentication over TCP), creates a
`template_plhgis` database holding the postgis extension, and `stop()` removes it all.
initdb refuses to run as root: as root, the server runs as the `postgres` system user.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ADMIN_PASSWORD = "pg-test-secret"  # a throw-away cluster's, never a real one's


def _bin(name: str) -> str:
    found = PG_BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running throw-away cluster; `url(db)` gives the admin connection string."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="plhgis-pg-"))
        self.port = _free_port()
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
            try:
                pw = pwd.getpwnam(self.run_as)
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server") from None
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def _run(self, *args, check=True):
        cmd = [str(a) for a in args]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @classmethod
    def start(cls) -> "Cluster":
        for tool in ("initdb", "pg_ctl"):
            if not shutil.which(_bin(tool)):
                raise RuntimeError(f"{tool} not found (install postgresql and postgresql-15-postgis-3)")
        self = cls()
        data, pwfile = self.dir / "data", self.dir / "pw"
        pwfile.write_text(ADMIN_PASSWORD)
        if self.run_as:
            shutil.chown(pwfile, self.run_as)
        try:
            self._run(_bin("initdb"), "-D", data, "-U", "postgres", f"--pwfile={pwfile}", "-E", "UTF8",
                      "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256")
            opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
            self._run(_bin("pg_ctl"), "-D", data, "-o", opts, "-l", self.dir / "log", "-w", "-t", "60", "start")
            import psycopg

            with psycopg.connect(self.url("postgres"), autocommit=True) as con:
                con.execute("CREATE DATABASE template_plhgis")
            with psycopg.connect(self.url("template_plhgis"), autocommit=True) as con:
                con.execute("CREATE EXTENSION postgis")
        except Exception as exc:  # whatever failed, the caller skips with this reason
            detail = getattr(exc, "stderr", "") or exc
            self.stop()
            raise RuntimeError(f"cannot start a PostgreSQL + PostGIS test server: {detail}") from None
        return self

    def url(self, db: str = "postgres", user: str = "postgres", password: str | None = ADMIN_PASSWORD) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        """A fresh database with postgis; returns its name."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template_plhgis')
        return name

    def stop(self):
        if (self.dir / "data" / "postmaster.pid").exists():
            self._run(_bin("pg_ctl"), "-D", self.dir / "data", "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
