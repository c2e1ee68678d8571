"""``brain bench api``: bounded load on a real server over loopback, and the live-server helper the API tests use.

The server is real ``uvicorn`` (N workers via :mod:`brain.api.workers`, one socket each) in API-key mode
with the full middleware (auth, rate limiting, audit committed per call, metrics, redacting logs). The load generator is ``N`` asyncio
clients (a minimal keep-alive HTTP/1.1 client) for a fixed time; it runs on the same machine, so on 2 cores the client competes with the
server for CPU — the numbers are a floor, not a ceiling. The baseline, measured in the same run, is
``GET /healthz`` through the same server (no audit, no work): the cost of HTTP + middleware alone.

The graph is pointed at a closed loopback port (reported as degraded) so the benchmark measures intake and
search, not a graph server's start-up; the per-key rate limit is raised for the benchmark key and says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from eval.metrics import percentiles
from knowledge_graph.server import free_port, free_ports

COMPLAINTS = [
    "邻居家装修每天早上七点开始电钻施工，噪音很大，多次沟通无果，请求调解。",
    "我在小区停车位被他人长期占用，物业不管，要求对方挪车并赔偿损失。",
    "公司拖欠我三个月工资共计一万八千元，老板一直推脱，请求帮助讨薪。",
    "楼上卫生间漏水导致我家天花板发霉，楼上住户拒绝维修。",
    "兄弟之间因父母遗留的宅基地分割发生争执，已经多次吵架。",
    "租房押金两千元房东以各种理由拒不退还。",
    "村里土地承包合同到期后，对方不肯交还承包地。",
    "网购商品质量有问题，商家拒绝退货退款。",
]
QUERIES = [
    "邻居装修噪音扰民怎么处理",
    "拖欠工资如何维权",
    "宅基地纠纷调解",
    "房屋漏水赔偿责任",
    "物业费纠纷",
    "离婚财产分割",
    "交通事故赔偿标准",
    "租赁合同押金不退",
]


def ensure_index(index_dir: Path, timeout_s: float = 600) -> None:
    """Build the search index into ``index_dir`` once, in a separate process, before servers share it:
    several workers starting on an empty directory would each build their own."""
    if (index_dir / "CURRENT").exists():
        return
    env = {
        **os.environ,
        "BRAIN_PROFILE": "test",
        "BRAIN_RETRIEVAL__INDEX_DIR": str(index_dir),
        "BRAIN_STATE_DIR": str(index_dir.parent),
    }
    code = "from brain.service import Brain; Brain().start(graph=False).close()"
    subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, timeout=timeout_s, stdout=subprocess.DEVNULL
    )


@dataclass
class LiveServer:
    """A real ``uvicorn`` serving ``brain.api.app:create_app`` on a free loopback port (``workers > 1``:
    :mod:`brain.api.workers`), in its own process group. ``env`` overrides settings (``BRAIN_...``); stderr (the
    JSON log) goes to ``log_path``.

    ``graph=False`` points the graph at a closed port: the service starts degraded (as it does when the graph
    server is down) without spending ~40 s starting the embedded graph server; ``graph=True`` gives the
    embedded one free ports of its own."""

    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    graph: bool = False
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 240) -> LiveServer:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if "BRAIN_RETRIEVAL__INDEX_DIR" in self.env:
            ensure_index(Path(self.env["BRAIN_RETRIEVAL__INDEX_DIR"]))
        # The graph's ports must differ from the server's own: a "closed" graph port equal to it made every
        # /readyz dial the HTTP server in Bolt (free_port() no longer repeats; `taken` covers a given port).
        bolt, http = free_ports(2, taken={self.port})
        graph_env = (
            {"BRAIN_GRAPH__BOLT_PORT": str(bolt), "BRAIN_GRAPH__HTTP_PORT": str(http)}
            if self.graph
            else {"BRAIN_GRAPH__URI": f"bolt://127.0.0.1:{bolt}", "BRAIN_GRAPH__START_TIMEOUT_S": "2"}
        )
        env = {
            **os.environ,
            "BRAIN_STATE_DIR": str(self.state_dir),
            "BRAIN_API__UI": "false",
            **graph_env,
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
            **self.env,
        }
        env.setdefault("BRAIN_PROFILE", "test")
        self.log_path = self.log_path or self.state_dir / f"server-{self.port}.log"
        if self.workers > 1:  # one SO_REUSEPORT socket per worker: connections spread evenly (see the module)
            cmd = [sys.executable, "-m", "brain.api.workers", "--port", str(self.port)]
            cmd += ["--workers", str(self.workers)]
        else:
            cmd = [
                sys.executable,
                "-m",
                "uvicorn",
                "brain.api.app:create_app",
                "--factory",
                "--no-access-log",
                "--http",
                "brain.api.server:GuardedProtocol",
            ]
            cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "info"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/readyz", timeout=2).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not start within {timeout_s}s:\n{self.log_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group (master and workers): no shutdown hooks run."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path else ""


@dataclass
class LoadResult:
    name: str
    duration_s: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    errors: int
    by_path: dict[str, list[float]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


Request = tuple[str, str, dict[str, Any] | None]


def intake_and_search(rng: random.Random) -> Request:
    if rng.random() < 0.5:
        return "POST", "/v1/intake", {"text": rng.choice(COMPLAINTS)}
    return "POST", "/v1/search", {"query": rng.choice(QUERIES), "top_k": 5}


DRAFT = {
    "facts": "申请人与被申请人系邻居，被申请人装修时震裂申请人家墙面，双方就赔偿发生争议。",
    "parties": [{"role": "申请人", "name": "张建国"}, {"role": "被申请人", "name": "李明"}],
    "terms": [{"text": "被申请人于2026年3月31日前支付申请人修复费用5000元"}],
    "committee_name": "枫桥镇人民调解委员会",
}


def mixed(rng: random.Random) -> Request:
    """The mediation centre's mix: 40 % intake, 40 % search, 15 % chat over SSE, 5 % drafting."""
    r = rng.random()
    if r < 0.40:
        return "POST", "/v1/intake", {"text": rng.choice(COMPLAINTS)}
    if r < 0.80:
        return "POST", "/v1/search", {"query": rng.choice(QUERIES), "top_k": 5}
    if r < 0.95:
        return "POST", "/v1/chat", {"message": rng.choice(QUERIES), "stream": True}
    return "POST", "/v1/agreements/draft", DRAFT


def healthz(_: random.Random) -> Request:
    return "GET", "/healthz", None


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per load worker.

    Why not httpx: on 2 shared cores the load generator competes with the server, and httpx spends several
    times more CPU per request than this; with it the benchmark measured the client, not the server."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        host, port = base_url.split("://", 1)[1].split(":")
        self.host, self.port = host, int(port)
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, json_body: Any = None) -> RawResponse:
        body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        try:
            if self.writer is None or self.reader is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.write(head.encode() + body)
            await self.writer.drain()
            raw = await self.reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            if headers.get("transfer-encoding", "").lower() == "chunked":  # SSE: read to the last chunk
                data = await self._read_chunked()
            else:
                data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            await self.close()
            raise ConnectionError(str(e)) from e
        return RawResponse(status, headers, data)

    async def _read_chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = self.reader = None


async def run_load(
    base_url: str,
    key: str,
    make: Callable[[random.Random], Request],
    clients: int,
    duration_s: float,
    name: str,
    on_response: Callable[[RawResponse], None] | None = None,
) -> LoadResult:
    latencies: list[float] = []
    by_path: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    errors = 0
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    deadline = time.perf_counter() + duration_s

    async def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        client = RawClient(base_url, headers)
        try:
            while time.perf_counter() < deadline:
                method, path, body = make(rng)
                t0 = time.perf_counter()
                try:
                    r = await asyncio.wait_for(client.request(method, path, body), timeout=30)
                except (ConnectionError, TimeoutError):
                    errors += 1
                    if on_response is not None:
                        return  # the server is gone (the SIGKILL test): stop this client
                    await client.close()
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                by_path.setdefault(f"  {method} {path}", []).append(latencies[-1])
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code >= 400:
                    errors += 1
                if on_response is not None:
                    on_response(r)
        finally:
            await client.close()

    t_start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    return LoadResult(name, time.perf_counter() - t_start, latencies, statuses, errors, by_path)


def run(
    clients: int = 64,
    duration_s: float = 30,
    workers: int = 2,
    state_dir: Path | None = None,
    index_dir: Path | None = None,
    log: Callable[[str], None] = print,
    mix: bool = False,
) -> list[LoadResult]:
    """``mix``: the mixed load (:func:`mixed`) instead of intake + search 50/50."""
    import tempfile

    from brain.security import open_key_store
    from brain.settings import load_settings

    state = state_dir or Path(tempfile.mkdtemp(prefix="brain-bench-api-"))
    env = {
        "BRAIN_API__AUTH": "keys",
        "BRAIN_API__RATE_LIMIT_PER_MINUTE": "100000000",
        "BRAIN_API__RATE_LIMIT_BURST": "1000000",
    }
    if index_dir:
        env["BRAIN_RETRIEVAL__INDEX_DIR"] = str(index_dir)
    settings = load_settings("test", state_dir=str(state))
    key = open_key_store(settings).create("system", "bench")[1]
    log(
        f"starting the server with {workers} worker(s) under {state} (index: {index_dir or 'built on start'}) …"
    )
    server = LiveServer(state, env=env, workers=workers).start()
    try:
        # warm-up: first calls load models and indices in every worker
        asyncio.run(
            run_load(
                server.base_url, key, intake_and_search, clients=min(clients, 8), duration_s=5, name="warm-up"
            )
        )
        base = asyncio.run(
            run_load(server.base_url, key, healthz, clients, min(duration_s, 10), "baseline GET /healthz")
        )
        load = asyncio.run(
            run_load(
                server.base_url,
                key,
                mixed if mix else intake_and_search,
                clients,
                duration_s,
                "mix 40/40/15/5 intake/search/chat/draft" if mix else "POST /v1/intake + /v1/search (50/50)",
            )
        )
    finally:
        server.stop()
    return [base, load]


def format_table(results: list[LoadResult], clients: int, workers: int) -> str:
    lines = [
        f"API load on loopback: {clients} concurrent clients, {workers} server worker(s), "
        f"{os.cpu_count()} CPUs (client and server share them), API-key auth + audit per call",
        f"{'load':<42}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}  statuses",
    ]
    for r in results:
        q = percentiles(r.latencies_ms, (50, 99))
        lines.append(
            f"{r.name:<42}{r.requests:>10}{r.rps:>10.1f}{q['p50']:>10.1f}{q['p99']:>10.1f}"
            f"{r.errors:>8}  {dict(sorted(r.statuses.items()))}"
        )
        if len(r.by_path) > 1:
            for path, xs in sorted(r.by_path.items()):
                q = percentiles(xs, (50, 99))
                lines.append(
                    f"{path:<42}{len(xs):>10}{len(xs) / r.duration_s:>10.1f}{q['p50']:>10.1f}{q['p99']:>10.1f}"
                )
    return "\n".join(lines)
