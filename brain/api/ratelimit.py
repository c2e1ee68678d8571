"""Rate limits, through the maintained ``limits`` package (moving-window strategy).

Storage: in-process memory by default (the embedded deployment: one process, or N workers each with their own
count), Redis when ``api.redis_url`` is set, so N workers share one count per key. Two limits per key:

* ``api.rate_limit_per_minute`` per 60 s moving window — the sustained rate;
* ``api.rate_limit_burst`` per 1 s moving window — how many may arrive at once.

Callers without a valid key are limited per client IP (``api.unauthenticated_per_minute``), so guessing keys
costs a 429 after a few tries instead of a key-store lookup and an audit row each; of the 429s one per IP and
minute is audited (:meth:`RateLimits.fold`), the rest only counted in ``/metrics``.

If Redis is configured but unreachable, requests are not refused for it: the limiter logs once and falls back
to in-process counting until Redis answers again (a limiter outage must not become a service outage).
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from brain.errors import RateLimitError
from brain.settings import Settings

log = logging.getLogger("brain.api")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        api = settings.api
        self.per_minute = api.rate_limit_per_minute
        self.sustained: RateLimitItem = RateLimitItemPerMinute(api.rate_limit_per_minute)
        self.burst: RateLimitItem = RateLimitItemPerSecond(api.rate_limit_burst)
        self.unauth: RateLimitItem = RateLimitItemPerMinute(api.unauthenticated_per_minute)
        self.fold_item: RateLimitItem = RateLimitItemPerMinute(1)
        self.namespace = "fengqiao"
        self.url = api.redis_url
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        self._shared_down_until = 0.0
        if self.url:
            storage = storage_from_string(
                "async+" + self.url if not self.url.startswith("async+") else self.url,
                key_prefix=self.namespace,
                implementation="redispy",  # the redis package (limits' default async client is coredis)
            )
            assert isinstance(storage, Storage)  # an "async+" URL gives the asyncio storage
            self._shared = MovingWindowRateLimiter(storage)

    @property
    def storage_name(self) -> str:
        return "redis" if self._shared is not None else "memory"

    async def _hit(self, item: RateLimitItem, *ids: str) -> tuple[bool, float]:
        """(allowed, seconds until the window has room again)."""
        limiter = self._local
        if self._shared is not None and time.monotonic() >= self._shared_down_until:
            limiter = self._shared
        try:
            ok = await limiter.hit(item, *ids)
            wait = 0.0 if ok else (await limiter.get_window_stats(item, *ids)).reset_time - time.time()
        except Exception as e:  # Redis down: count locally for 5 s, then try Redis again
            if limiter is self._local:
                raise
            if not self._shared_down_until:
                log.warning("rate-limit store %s unreachable (%s); counting per process for now", self.url, e)
            self._shared_down_until = time.monotonic() + 5
            return await self._hit(item, *ids)
        if limiter is self._shared:
            self._shared_down_until = 0.0
        return ok, max(wait, 0.0)

    async def check_key(self, key_id: str) -> None:
        """Raise :class:`RateLimitError` (429 + Retry-After) when ``key_id`` is over either limit."""
        for item, what in ((self.burst, "每秒"), (self.sustained, "每分钟")):
            ok, wait = await self._hit(item, "key", key_id)
            if not ok:
                raise _limited(
                    f"调用过于频繁：每个密钥{what}最多 {item.amount} 次（每分钟上限 {self.per_minute} 次）",
                    wait,
                )

    async def check_unauthenticated(self, client_ip: str) -> None:
        """Count one failed authentication from ``client_ip``; raise 429 once it is over the limit."""
        ok, wait = await self._hit(self.unauth, "ip", client_ip)
        if not ok:
            raise _limited(
                f"未通过鉴权的请求过多：同一地址每分钟最多 {self.unauth.amount} 次；"
                "请核对 API 密钥后稍后重试",
                wait,
            )

    async def fold(self, client_ip: str) -> bool:
        """True for the first refused request of ``client_ip`` in a minute: that one is audited."""
        ok, _ = await self._hit(self.fold_item, "fold", client_ip)
        return ok


def _limited(message: str, wait: float) -> RateLimitError:
    seconds = max(1, math.ceil(wait))
    return RateLimitError(
        f"{message}，请 {seconds} 秒后重试", code="rate_limited", headers={"Retry-After": str(seconds)}
    )
