"""Calling a running service from the CLI (``--url``): one POST, errors as the CLI's red Chinese message."""

from __future__ import annotations

from typing import Any

from brain.cli._common import fail


def post_json(base_url: str, path: str, body: dict[str, Any], api_key: str | None = None) -> Any:
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        resp = httpx.post(base_url.rstrip("/") + path, json=body, headers=headers, timeout=60)
    except httpx.HTTPError as e:
        fail(
            f"连接服务失败（{base_url}）：{e}；确认服务已启动（make run），或去掉 --url 在本机直接运行",
            code=1,
        )
    if resp.status_code >= 400:
        try:
            detail = resp.json().get("detail", resp.text)
        except ValueError:
            detail = resp.text
        fail(f"服务返回 {resp.status_code}：{detail}", code=1)
    return resp.json()
