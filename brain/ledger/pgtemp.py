"""A throw-away PostgreSQL server for the ledger's tests and ``brain bench cases``, started from Debian's
``postgresql`` package (``make system-deps``): initdb into a temp dir owned by ``postgres`` (when running as
root), pg_ctl on a free loopback port with its socket in that dir (``fsync=off`` unless durable), stopped
and removed by :meth:`PgServer.cleanup`. Production points ``ledger.url`` at a managed server instead."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from brain.errors import ConfigError
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
    root: Path | None = None
    durable: bool = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        if not self.durable:
            opts += " -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.data / "server.log"), "-w", "start"
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def cleanup(self) -> None:
        self.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

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


def start_temp_server(durable: bool = False) -> PgServer:
    """Start a server in a new temp dir (``durable``: keep fsync on, as the benchmark does); raises
    :class:`ConfigError` when PostgreSQL is not installed."""
    binaries = pg_bin()
    if binaries is None:
        raise ConfigError(
            "未安装 PostgreSQL",
            where="/usr/lib/postgresql",
            hint="apt-get install postgresql（见 make system-deps）",
        )
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    data = root / "data"
    data.mkdir()
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
        os.chmod(data, 0o700)
    server = PgServer(binaries, data, free_port(), as_postgres, durable=durable)
    server.root = root
    server.start()
    return server
