"""API docs that render offline: Swagger UI and ReDoc served from an installed package, not from a CDN.

FastAPI's default ``/docs`` and ``/redoc`` pages load their JavaScript from cdn.jsdelivr.net, so on an offline
government network they are blank. The assets come from the ``fastapi-offline`` wheel (MIT; Swagger UI and
ReDoc bundles under ``fastapi_offline/static``), mounted at ``/static-docs`` and wired in the way FastAPI's
"Self-hosting JavaScript and CSS for docs" guide shows. ``/`` redirects a browser to the UI (or to the docs
when the UI is off).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_PATH = "/static-docs"
REDOC_JS = "/docs-assets/redoc.standalone.js"
# The ReDoc bundle draws its "API docs by Redocly" logo from cdn.redoc.ly; offline that is a failed request
# (and a request to an outside host). The bundle is served with that one URL pointed at the local favicon.
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install(app: FastAPI, *, ui: bool) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=assets_dir()), name="static-docs")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — 接口文档",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PATH}/favicon.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    redoc_js = (
        (assets_dir() / "redoc.standalone.js")
        .read_text("utf-8")
        .replace(_REDOC_LOGO, f"{STATIC_PATH}/favicon.png")
    )

    @app.get(REDOC_JS, include_in_schema=False)
    def redoc_bundle() -> Response:
        return Response(redoc_js, media_type="application/javascript")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — 接口文档",
            redoc_js_url=REDOC_JS,
            redoc_favicon_url=f"{STATIC_PATH}/favicon.png",
            with_google_fonts=False,
        )

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/" if ui else "/docs", status_code=307)
