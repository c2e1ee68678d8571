"""A real PostgreSQL server for the ledger tests, started from Debian's ``postgresql`` package (``make
system-deps``): initdb into a temp dir owned by ``postgres`` (when running as root), pg_ctl on a free loopback
port with its socket in that dir, stopped at the end of the session. Each test gets a fresh database.

Skipped, with the reason, when the binaries are missing (install: ``apt-get install postgresql``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge_graph.server import free_port


def pg_bin() -> Path | None:
    root = Path("/usr/lib/postgresql")
    if root.exists():
        for v in sorted(root.iterdir(), reverse=True):
            if (v / "bin" / "initdb").exists():
                return v / "bin"
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class PgServer:
    bin: Path
    data: Path
    port: int
    as_postgres: bool

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.data / "server.log"), "-w", "start"
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def create_db(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return name

    def dump(self, db: str) -> bytes:
        cmd = [str(self.bin / "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", db]
        return subprocess.run(cmd, check=True, capture_output=True, timeout=120).stdout


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    binaries = pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql, see make system-deps)")
    as_postgres = os.geteuid() == 0
    data = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    if as_postgres:
        shutil.chown(data, "postgres", "postgres")
    server = PgServer(binaries, data / "data", free_port(), as_postgres)
    if as_postgres:
        (data / "data").mkdir()
        shutil.chown(data / "data", "postgres", "postgres")
        os.chmod(data / "data", 0o700)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
