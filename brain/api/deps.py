"""FastAPI dependencies and helpers shared by the routers.

Dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool, one thread hop per
request for what is an attribute lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import Request
from pydantic import BaseModel, ValidationError

from brain.errors import InputError
from brain.service import Brain

T = TypeVar("T")


async def get_brain(request: Request) -> Brain:
    brain: Brain = request.app.state.brain
    return brain


async def run_compute(request: Request, fn: Callable[[], T]) -> T:
    """Run CPU-bound route work (intake, search) in a worker thread, at most ``api.compute_threads`` at once
    per process; the rest wait their turn in arrival order.

    Why not anyio's default pool (40 threads): the work holds the GIL most of the time, so 30 concurrent
    requests in 30 threads finish no sooner in total, but each waits for the GIL behind the others and the
    event loop (which sends every response and writes every audit record) waits behind all of them. Measured
    with ``brain bench api`` (64 clients, 2 workers, 2 cores): 40 threads gave 297 req/s, p99 700 ms;
    2 threads 413 req/s, p99 596 ms on the same run-up (see docs/api.md)."""
    return await anyio.to_thread.run_sync(fn, limiter=compute_limiter(request))


def compute_limiter(request: Request, name: str = "compute") -> anyio.CapacityLimiter:
    """The process's limiter for CPU-bound work (see :func:`run_compute`), created on first use: a limiter
    belongs to the running event loop. ``name="chat"`` is a second one of the same size for chat turns, which
    also wait on their checkpoint database: in the shared one those waits held a slot intake and search
    needed (measured with ``brain bench api --mix``, see docs/api.md)."""
    state = request.app.state
    attr = f"{name}_limiter"
    limiter: anyio.CapacityLimiter | None = getattr(state, attr, None)
    if limiter is None:
        settings = getattr(state, "settings", None) or state.brain.settings
        limiter = anyio.CapacityLimiter(settings.api.compute_threads)
        setattr(state, attr, limiter)
    return limiter


M = TypeVar("M", bound=BaseModel)


def build(model: type[M], **values: Any) -> M:
    """A request model from a route's query/path parameters: a value the model refuses (a time out of range,
    a bad field) is the caller's 422 with the field named, not a 500 from inside the handler."""
    try:
        return model(**values)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or model.__name__
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(f"参数 {where} 无效：{msg}", where=where, hint="按接口文档修正该参数后重试") from e
