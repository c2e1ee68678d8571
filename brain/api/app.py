"""The FastAPI application: the composition root of the HTTP surface.

State is loaded once in the lifespan (index, graph connection, LLM client) and kept on ``app.state``.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from brain import __version__
from brain.agents.chat.state import ChatMessageRequest
from brain.api import problems
from brain.api.routes import ROUTER_MODULES
from brain.service import Brain
from brain.settings import Settings, load_settings

log = logging.getLogger("brain.api")

DESCRIPTION = """
枫桥智脑服务接口：纠纷受理分类与分流、类案与法条检索、调解策略、人民调解协议书起草、调解助手对话。
所有错误以 RFC 9457 problem+json 返回。
"""


def create_app(settings: Settings | None = None, brain: Brain | None = None) -> FastAPI:
    settings = settings or (brain.settings if brain else load_settings())
    the_brain = brain or Brain(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio

        await anyio.to_thread.run_sync(_start, the_brain)
        log.info("brain started (profile=%s)", settings.profile)
        _log_addresses(settings)
        scheduled = _start_schedule(the_brain, settings)
        try:
            yield
        finally:
            if scheduled is not None:
                scheduled.cancel()
            await anyio.to_thread.run_sync(the_brain.close)
            gc.unfreeze()  # what _start froze may be garbage now (tests run many apps in one process)

    app = FastAPI(
        title="枫桥智脑 Fengqiao Brain",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by brain.api.docs
        redoc_url=None,
    )
    app.state.brain = the_brain
    app.state.settings = settings
    problems.install(app)
    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)
    _install_extensions(app, settings)
    return app


def _start(brain: Brain) -> None:
    """Load everything a request may need before the worker serves, then freeze what was loaded.

    Intake's classifiers and compiled graph otherwise load on first use (seconds), stalling every request a
    freshly started worker holds. The loaded state is ~580k long-lived objects (index, jieba dictionary,
    models) that every full garbage collection would walk again: ~260 ms with the GIL held, i.e. the whole
    worker stalls every few seconds under load. ``gc.freeze()`` moves them out of the collector's view
    (they live until shutdown anyway), leaving full collections only the objects made since."""
    brain.start()
    brain.intake_service.warm()
    _warm_chat(brain)
    gc.collect()
    gc.freeze()


def _start_schedule(brain: Brain, settings: Settings) -> asyncio.Task[None] | None:
    """The scheduled 研判报告 (analysis.schedule) as a background task of the lifespan; the clock is the
    brain's ``report_clock`` (tests move it)."""
    if not settings.analysis.schedule:
        return None
    from brain.analysis.models import ScheduleRun
    from brain.analysis.schedule import report_loop

    def run(now: datetime) -> object:
        return brain.run_due_reports(ScheduleRun(now=now))

    return asyncio.get_running_loop().create_task(
        report_loop(run, settings.analysis.schedule_interval_s, brain.report_clock)
    )


def _warm_chat(brain: Brain) -> None:
    """One chat turn before serving: its first turn loads jieba's dictionary and compiles the chat graph
    (~3-7 s under the import lock), which stalled every request of a fresh worker in the mixed benchmark.
    The warm-up thread is deleted again."""
    thread = f"warmup-{os.getpid()}"
    try:
        warm = ChatMessageRequest(message="邻居装修噪音扰民怎么处理", thread_id=thread, use_llm=False)
        for _ in brain.chat(warm):  # use_llm=False: never a model call
            pass
        brain.chat_service._compiled().checkpointer.delete_thread(thread)  # type: ignore[union-attr]
    except Exception:  # a failed warm-up only costs the first real turn its time
        log.warning("chat warm-up failed", exc_info=True)


def _install_extensions(app: FastAPI, settings: Settings) -> None:
    """Middleware (auth, audit, limits, metrics) and the UI, each owned by its own module."""
    from brain.api import middleware

    middleware.install(app, settings)
    from brain.api import docs

    docs.install(app, ui=settings.api.ui)
    if settings.api.ui:
        try:
            from ui.mount import mount_ui
        except ImportError as e:
            log.warning("UI not mounted (%s); install the 'ui' extra", e)
        else:
            from brain.api.ui_client import FacadeClient

            mount_ui(app, FacadeClient(app.state.brain))


def _log_addresses(settings: Settings) -> None:
    """Where a person should point the browser (the bind address 0.0.0.0 is not one to open)."""
    host = settings.api.host if settings.api.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    base = f"http://{host}:{settings.api.port}"
    out = logging.getLogger("uvicorn.error")  # configured by uvicorn at INFO, next to "Uvicorn running on"
    if settings.api.ui:
        out.info("界面 UI: %s/ui", base)
    out.info("接口文档 API docs: %s/docs（离线可用）", base)
