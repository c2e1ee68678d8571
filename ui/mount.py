"""Mount the UI at ``/ui`` on the API server (called by ``brain.api.app`` when ``api.ui`` is true).

The API app hands in the client (``brain.api.ui_client.FacadeClient`` over the in-process facade), so the UI
takes the same path as every other caller without an HTTP hop, and ``ui`` imports nothing from ``brain``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.client import BrainClient

UI_PATH = "/ui"


def mount_ui(app: Any, client: BrainClient) -> Any:
    import gradio as gr

    from ui.app import CSS, HEAD, build_ui, theme

    blocks = build_ui(client)
    return gr.mount_gradio_app(
        app,
        blocks,
        path=UI_PATH,
        theme=theme(),
        footer_links=[],
        show_error=True,
        ssr_mode=False,
        head=HEAD,
        css=CSS,
    )
