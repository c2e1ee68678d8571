"""The embedded graph server: ArcadeDB (from the ``arcadedb-embedded`` wheel, which bundles its own JRE)
with its Bolt plugin, on 127.0.0.1, data on disk.

ArcadeDB runs inside a JVM and a process can host only one JVM, so the server always runs as its own
process (``python -m knowledge_graph.server``); everything else talks to it over Bolt with the official
``neo4j`` driver, exactly as it would talk to a real Neo4j.

:class:`EmbeddedServer` is the launcher. ``start()`` reuses a server already listening on the Bolt port
(started by ``brain kg serve`` or another process), otherwise spawns one, records its pid in
``<data_dir>/server.pid`` and waits until Bolt answers. ``stop()`` stops only a server this launcher
started. A pid file left by a crashed server is detected (the pid is gone or is not our server) and removed.
The root password is passed through the environment, never on the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from knowledge_graph.errors import ServerStartError

PASSWORD_ENV = "FENGQIAO_GRAPH_PASSWORD"
PID_FILE = "server.pid"
READY_FILE = "server.ready"  # written once the default database exists (Bolt opens earlier)
LOG_FILE = "server.log"


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_HANDED_OUT: set[int] = set()  # ports free_port() has returned in this process
_HANDED_OUT_LOCK = threading.Lock()


def free_port() -> int:
    """A port nothing listens on now, never one this process was handed before: the OS can give the same
    ephemeral port to two bind-and-close calls in a row, and a test that asked for a Bolt and an HTTP port
    then had both servers fight over one (seen in clean-clone CI runs)."""
    with _HANDED_OUT_LOCK:
        while True:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


def free_ports(n: int, taken: set[int]) -> list[int]:
    """``n`` free ports, distinct from each other and from ``taken`` (ports found by other means)."""
    out: list[int] = []
    while len(out) < n:
        port = free_port()
        if port not in taken and port not in out:
            out.append(port)
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_server(pid: int) -> bool:
    """True if ``pid`` runs this module (guards against a recycled pid after a crash)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return _pid_alive(pid)  # no /proc (macOS): trust the pid
    return b"knowledge_graph.server" in cmdline


class EmbeddedServer:
    """Launcher for the ArcadeDB server process. Cheap to construct; ``start()`` does the work."""

    def __init__(
        self,
        data_dir: Path,
        *,
        bolt_port: int,
        http_port: int,
        password: str,
        database: str,
        heap: str = "512m",
        start_timeout_s: float = 90,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.password = password
        self.database = database
        self.heap = heap
        self.start_timeout_s = start_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self.start_seconds: float | None = None

    @property
    def pid_file(self) -> Path:
        return self.data_dir / PID_FILE

    @property
    def ready_file(self) -> Path:
        return self.data_dir / READY_FILE

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_FILE

    @property
    def owned(self) -> bool:
        """True while a server process started by this launcher is running."""
        return self._proc is not None and self._proc.poll() is None

    def listening(self) -> bool:
        return port_open(self.bolt_port)

    def _clear_stale_pid(self) -> None:
        if not self.pid_file.exists():
            return
        try:
            pid = int(self.pid_file.read_text().strip())
        except ValueError:
            pid = -1
        if pid > 0 and _pid_alive(pid) and _is_our_server(pid):
            # A server of ours is alive but not (yet) listening: give it the start timeout to come up.
            if self._wait_listening(None, pid):
                return
            raise ServerStartError(
                f"图谱服务进程 {pid} 在运行但端口 {self.bolt_port} 无响应；请检查 {self.log_file}，必要时结束该进程后重试"
            )
        self.pid_file.unlink(missing_ok=True)

    def _wait_listening(self, proc: subprocess.Popen[bytes] | None, pid: int | None = None) -> bool:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.listening() and (proc is None or self.ready_file.exists()):
                return True
            if proc is not None and proc.poll() is not None:
                return False
            if pid is not None and not _pid_alive(pid):
                return False
            time.sleep(0.1)
        return False

    def start(self) -> bool:
        """Make sure a server listens on the Bolt port. Returns True if this call started it."""
        if self.owned or self.listening():
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._clear_stale_pid()
        if self.listening():
            return False
        t0 = time.perf_counter()
        cmd = [
            sys.executable,
            "-m",
            "knowledge_graph.server",
            "--data-dir",
            str(self.data_dir),
            "--bolt-port",
            str(self.bolt_port),
            "--http-port",
            str(self.http_port),
            "--database",
            self.database,
            "--heap",
            self.heap,
            "--parent-pid",  # the server stops when this process dies, however it dies
            str(os.getpid()),
        ]
        self.ready_file.unlink(missing_ok=True)
        env = {**os.environ, PASSWORD_ENV: self.password}
        with self.log_file.open("ab") as log:
            # cwd = data_dir: ArcadeDB writes ./log/ relative to the working directory.
            proc = subprocess.Popen(
                cmd,
                cwd=self.data_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._proc = proc
        self.pid_file.write_text(str(proc.pid))
        if not self._wait_listening(proc):
            self.stop()
            tail = self.log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise ServerStartError(
                f"嵌入式图谱服务未能在 {self.start_timeout_s:.0f} 秒内启动（Bolt 端口 {self.bolt_port}）；日志末尾：\n{tail}"
            )
        self.start_seconds = time.perf_counter() - t0
        return True

    def stop(self, timeout: float = 20) -> None:
        """Stop the server this launcher started (SIGTERM, then SIGKILL). Servers it reused are left alone."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        with contextlib.suppress(OSError, ValueError):
            if int(self.pid_file.read_text().strip()) == proc.pid:
                self.pid_file.unlink()
                self.ready_file.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ server process


def serve(
    data_dir: Path,
    *,
    bolt_port: int,
    http_port: int,
    password: str,
    database: str,
    heap: str,
    parent_pid: int | None = None,
) -> None:
    """Run ArcadeDB with Bolt in this process until SIGTERM/SIGINT — or, with ``parent_pid``, until that
    process is gone (a SIGKILLed ``brain serve`` runs no shutdown hook; its server must not live on with
    parent 1). Needs its own process (one JVM)."""
    from arcadedb_embedded.jvm import start_jvm
    from arcadedb_embedded.server import ArcadeDBServer

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # ArcadeDB writes ./log/arcadedb.log.* relative to the working directory: keep it under the state dir,
    # not in whatever folder `brain kg serve` was started from (a clone would grow an untracked log/).
    os.chdir(data_dir)
    start_jvm(heap_size=heap)
    server = ArcadeDBServer(
        str(data_dir),
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": bolt_port,
            "server_defaultDatabases": f"{database}[root]",
        },
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    (data_dir / READY_FILE).write_text(str(os.getpid()))
    print(f"图谱服务已启动：bolt://127.0.0.1:{bolt_port} 数据库 {database}", flush=True)
    try:
        while not stop.wait(0.5):
            if parent_pid is not None and os.getppid() != parent_pid:
                print(f"父进程 {parent_pid} 已退出，图谱服务随之停止", flush=True)
                break
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="嵌入式图谱服务（ArcadeDB + Bolt）")
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--bolt-port", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--heap", default="512m")
    p.add_argument("--parent-pid", type=int, default=None, help="随该进程退出而停止")
    a = p.parse_args(argv)
    password = os.environ.get(PASSWORD_ENV)
    if not password or len(password) < 8:
        sys.exit(f"请通过环境变量 {PASSWORD_ENV} 提供至少 8 位的 root 密码")
    serve(
        a.data_dir,
        bolt_port=a.bolt_port,
        http_port=a.http_port,
        password=password,
        database=a.database,
        heap=a.heap,
        parent_pid=a.parent_pid,
    )


if __name__ == "__main__":
    main()
