"""Refuse JSON strings that are not text: a lone UTF-16 surrogate (``"\\ud800"``) is valid JSON, decodes to a
Python ``str`` that cannot be encoded, and fails deep inside a tokenizer (500). Checked on the raw body before
routing, only when an escape of the surrogate range occurs at all (one regex search per request)."""

from __future__ import annotations

import json
import re
from typing import Any

from brain.errors import InputError

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def check_surrogates(body: bytes, content_type: str) -> None:
    if "json" not in content_type or not _SURROGATE_ESCAPE.search(body):
        return
    try:
        value = json.loads(body)
    except ValueError:
        return  # not JSON: the route's validation says so
    where = _find(value, "")
    if where is not None:
        field = where or "请求体"
        raise InputError(
            "请求中含有无法识别的字符（孤立的 UTF-16 代理项，不是有效文字）",
            where=field,
            hint="请检查该字段的文本编码，去掉乱码后重试",
            details={
                "errors": [{"field": field, "message": "含有无效字符（孤立代理项）", "type": "surrogate"}]
            },
        )


def _bad(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if _bad(value) else None
    if isinstance(value, list):
        for i, v in enumerate(value):
            hit = _find(v, f"{path}[{i}]")
            if hit is not None:
                return hit
    if isinstance(value, dict):
        for k, v in value.items():
            key = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and _bad(k):
                return key
            hit = _find(v, key)
            if hit is not None:
                return hit
    return None
