"""Issue 14 item 6: ``/`` sends a browser to the UI, and ``/docs`` / ``/redoc`` load their assets from this
server (the default pages fetch Swagger UI and ReDoc from cdn.jsdelivr.net and are blank offline)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from brain.api.app import create_app
from brain.service import Brain
from brain.settings import load_settings


def test_root_redirects_and_docs_are_self_hosted(tmp_path: Path) -> None:
    settings = load_settings("test", state_dir=str(tmp_path))
    app = create_app(settings, brain=Brain(settings))  # no lifespan: routes only
    client = TestClient(app)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] in ("/ui/", "/docs")
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"url: *'([^']+)'", html)
        assert urls, page
        assert not [u for u in urls if u.startswith(("http://", "https://", "//"))], (page, urls)
        for u in urls:
            if u.startswith(("/static-docs/", "/docs-assets/")):
                asset = client.get(u)
                assert asset.status_code == 200 and len(asset.content) > 1000, u
    assert "cdn.jsdelivr" not in client.get("/docs").text + client.get("/redoc").text
    assert "cdn.redoc.ly" not in client.get("/docs-assets/redoc.standalone.js").text
