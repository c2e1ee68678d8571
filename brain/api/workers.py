"""Several server processes on one port, each accepting on its own ``SO_REUSEPORT`` socket.

``python -m brain.api.workers --host 127.0.0.1 --port 8000 --workers 2``

Why not ``uvicorn --workers N``: there the processes share one listening socket, and asyncio accepts every
pending connection in one go, so a burst of new keep-alive connections lands mostly on whichever worker woke
first. ``brain bench api`` measured 20 of 64 connections on one worker and 44 on the other; those 44 clients
waited 2.3 times longer per request (per-client mean 84 vs 189 ms), which alone put p99 over 250 ms. With a
socket per worker the kernel spreads connections across them by address hash (``SO_REUSEPORT``, Linux ≥ 3.9).

The parent only starts the workers and passes SIGTERM/SIGINT on; each worker is a plain ``uvicorn.Server``
running ``brain.api.app:create_app`` with settings from the environment (``BRAIN_...``), lifespan included.
If a worker dies, the others are stopped and the parent exits non-zero, so a supervisor sees the failure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import sys
from types import FrameType


def _worker(host: str, port: int, log_level: str) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    config = uvicorn.Config(
        "brain.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        access_log=False,
        log_level=log_level,
        http="brain.api.server:GuardedProtocol",  # a deadline for request headers (slowloris)
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int, log_level: str = "info") -> int:
    """Run ``workers`` processes until SIGTERM/SIGINT or until one of them exits; the exit status to use."""
    ctx = multiprocessing.get_context("spawn")  # no state inherited from this process: each loads its own
    _share_metrics()
    procs = [ctx.Process(target=_worker, args=(host, port, log_level), daemon=False) for _ in range(workers)]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn shuts down gracefully (lifespan closes the audit store)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for p in procs:
        p.start()
    sentinels: dict[object, multiprocessing.process.BaseProcess] = {p.sentinel: p for p in procs}
    from multiprocessing.connection import wait

    failed = False
    while sentinels:
        for s in wait(list(sentinels)):  # type: ignore[arg-type]
            dead = sentinels.pop(s)
            if not stopping:
                failed = True
                print(f"worker {dead.pid} exited with {dead.exitcode}; stopping the others", file=sys.stderr)
                stop(signal.SIGTERM, None)
    return 1 if failed else 0


def _share_metrics() -> None:
    """Prometheus multiprocess mode: each worker writes its counters to files in one fresh directory and
    ``/metrics`` sums them (``brain.api.metrics``), so a scrape sees all workers, not the one it hit."""
    import os
    import tempfile

    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="brain-metrics-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="枫桥智脑 HTTP 服务：多进程，每进程一个 SO_REUSEPORT 套接字")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    return serve(args.host, args.port, args.workers, args.log_level)


if __name__ == "__main__":
    sys.exit(main())
