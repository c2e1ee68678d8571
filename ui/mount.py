"""Mount the UI at ``/ui`` on the API server (called by ``brain.api.app`` when ``api.ui`` is true).

The UI gets the in-process facade from ``app.state.brain`` through :class:`~ui.client.FacadeClient`, so it
takes the same path as every other caller without an HTTP hop.
"""

from __future__ import annotations

from typing import Any

UI_PATH = "/ui"


def mount_ui(app: Any) -> Any:
    import gradio as gr

    from ui.app import build_ui, theme
    from ui.client import FacadeClient

    client = FacadeClient(app.state.brain)
    client.analysis = getattr(app.state, "analysis_ui_client", None)  # type: ignore[attr-defined]
    blocks = build_ui(client)
    return gr.mount_gradio_app(
        app, blocks, path=UI_PATH, theme=theme(), footer_links=[], show_error=True, ssr_mode=False
    )
