"""Rate limits shared across workers through a real Redis (finding 10): with ``api.redis_url`` two server
processes count one limit per key; without it each counts its own (the documented embedded default)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from brain.api.ratelimit import RateLimits
from brain.errors import RateLimitError
from brain.security import open_key_store
from brain.settings import load_settings
from eval.bench_api import LiveServer
from tests.support.redis_server import redis_server


def _limits(tmp_path: Path, redis_url: str | None, per_minute: int = 5) -> RateLimits:
    api = {"rate_limit_per_minute": per_minute, "rate_limit_burst": 100, "redis_url": redis_url}
    return RateLimits(load_settings("test", state_dir=str(tmp_path), api=api))


async def _allowed(limiters: list[RateLimits], n: int, key: str = "k1") -> int:
    ok = 0
    for i in range(n):
        try:
            await limiters[i % len(limiters)].check_key(key)
            ok += 1
        except RateLimitError as e:
            assert int(e.headers["Retry-After"]) >= 1
    return ok


def test_two_limiters_on_one_redis_share_the_limit(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as url:
        shared = [_limits(tmp_path, url), _limits(tmp_path, url)]
        assert asyncio.run(_allowed(shared, 20)) == 5
        assert asyncio.run(_allowed(shared, 4, key="k2")) == 4  # per key
    separate = [_limits(tmp_path, None), _limits(tmp_path, None)]
    assert asyncio.run(_allowed(separate, 20)) == 10  # in-process: each worker its own count


def test_a_limiter_whose_redis_is_gone_counts_locally(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as url:
        limiter = _limits(tmp_path, url, per_minute=3)
        assert asyncio.run(_allowed([limiter], 2)) == 2
    assert asyncio.run(_allowed([limiter], 5)) == 3  # Redis stopped: no outage, a local count instead


@pytest.mark.slow
def test_two_server_workers_share_one_limit_through_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as url:
        settings = load_settings("test", state_dir=str(tmp_path / "state"))
        key = open_key_store(settings).create("clerk", "limit")[1]
        ops = open_key_store(settings).create("system", "metrics")[1]
        env = {
            "BRAIN_API__AUTH": "keys",
            "BRAIN_API__REDIS_URL": url,
            "BRAIN_API__RATE_LIMIT_PER_MINUTE": "20",
            "BRAIN_API__RATE_LIMIT_BURST": "1000",
        }
        server = LiveServer(tmp_path / "state", env=env, workers=2).start()
        try:
            codes = []
            for _ in range(60):  # a new connection each time: the kernel spreads them over both workers
                with httpx.Client(base_url=server.base_url, trust_env=False) as http:
                    codes.append(http.get("/v1/whoami", headers={"X-API-Key": key}, timeout=30).status_code)
            assert codes.count(200) == 20 and codes.count(429) == 40, codes
            # and /metrics sums both workers (Prometheus multiprocess mode): all 60 calls are counted
            text = httpx.get(server.base_url + "/metrics", headers={"X-API-Key": ops}, timeout=30).text
            counted = sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("brain_http_requests_total{") and 'route="/v1/whoami"' in line
            )
            assert counted == 60, text[:2000]
        finally:
            server.stop()
