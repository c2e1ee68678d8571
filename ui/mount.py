"""Mount the UI at ``/ui`` on the API server (called by ``brain.api.app`` when ``api.ui`` is true).

Every UI action is a call to this server's own HTTP API with the logged-in user's key (:mod:`ui.auth`), so the
UI is no side door: the same auth, role scopes, limits, audit and redaction apply as to any other caller.
The client the API app hands in (the in-process facade) is not used for actions for that reason; ``ui``
imports nothing from ``brain``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.client import BrainClient

UI_PATH = "/ui"


def mount_ui(app: Any, client: BrainClient | None = None) -> Any:
    import gradio as gr

    from ui.app import CSS, HEAD, build_ui, theme
    from ui.auth import SessionClient, UIAuth

    del client  # every action goes through the HTTP API with the session's key (see the module docstring)
    settings = app.state.settings  # read duck-typed: ui imports nothing from brain
    auth = UIAuth(
        keys_required=settings.api.auth == "keys", session_s=settings.api.ui_session_s, prefix=UI_PATH
    )
    blocks = build_ui(SessionClient(auth, Path(settings.state_dir) / "reports"))
    auth.role_tabs(blocks)
    auth.install_routes(app)
    mounted = gr.mount_gradio_app(
        app,
        blocks,
        path=UI_PATH,
        theme=theme(),
        footer_links=[],
        show_error=True,
        ssr_mode=False,
        head=HEAD,
        css=CSS,
        auth_dependency=auth.dependency,
        max_file_size=settings.ocr.max_upload_bytes,  # the same limit as the API's OCR
    )
    for route in app.router.routes:  # put the session guard in front of the mounted Gradio app
        if getattr(route, "path", None) == UI_PATH and hasattr(route, "app"):
            route.app = auth.guard(route.app)
    return mounted
