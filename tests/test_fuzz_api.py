"""A hypothesis fuzz over every request model of the API (keys on, in-process app, deterministic mode): bodies,
path and query parameters are generated from the live OpenAPI schema, pushed past its limits and mixed with
hostile values (lone surrogates, 40-digit amounts, NaN, control and zero-width characters, wrong types, deep
nesting). No answer may be a server error; a 503 is allowed only as the documented "graph unavailable" (the
graph is pointed at a closed port). The number of cases tried is printed (``-s``) for the report."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brain.api.app import create_app
from brain.security import LOGIN_PATH, open_key_store
from brain.service import Brain
from brain.settings import load_settings

pytestmark = pytest.mark.slow

LOOPBACK = ("127.0.0.1", 50000)
CASES: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()

NASTY_TEXT = st.sampled_from(
    [
        "\ud800",
        "邻居\udfff吵架",
        "9" * 40,
        "-1e999",
        "NaN",
        "\u200b\u200b",
        "\x00\x01\x1f",
        "１３８１２３４５６７８",
        "身份证110105 19491231 002X",
        "../../../etc/passwd",
        "%2e%2e%2f",
        "〔姓名1〕",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "a" * 5000,
        "",
        " ",
    ]
)
NASTY_VALUE = st.one_of(
    NASTY_TEXT,
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([float("nan"), float("inf"), -0.0, 1e308]),
    st.none(),
    st.booleans(),
    st.just([[[[[[[[[[[]]]]]]]]]]]),
    st.just({"a": {"b": {"c": {}}}}),
)
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)  # surrogates included


def _resolve(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = components.get(node["$ref"].rsplit("/", 1)[-1], {})
            return _resolve(target, components, depth + 1) if depth < 6 else {}
        return {k: _resolve(v, components, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, components, depth) for v in node]
    return node


def _strategy(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that fit ``schema``, values just past its limits, and hostile values of any type."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        fitting: st.SearchStrategy[Any] = st.one_of([_strategy(o, depth) for o in options])
    elif "enum" in schema:
        fitting = st.sampled_from(schema["enum"])
    else:
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            required = set(schema.get("required", []))
            if depth > 3:
                fitting = st.just({})
            else:
                fitting = st.fixed_dictionaries(
                    {k: _strategy(v, depth + 1) for k, v in props.items() if k in required},
                    optional={k: _strategy(v, depth + 1) for k, v in props.items() if k not in required},
                )
        elif kind == "array":
            most = min(int(schema.get("maxItems", 4)) + 2, 8)
            fitting = st.lists(_strategy(schema.get("items", {}), depth + 1), max_size=most)
        elif kind == "string":
            longest = schema.get("maxLength")
            fitting = st.one_of(TEXT, st.just("字" * (longest + 1)) if longest else TEXT)
        elif kind == "integer":
            lo, hi = schema.get("minimum"), schema.get("maximum")
            edges = [v for v in (lo, hi) if v is not None]
            fitting = st.one_of(
                st.integers(-5, 200), st.sampled_from([e + d for e in edges for d in (-1, 0, 1)] or [0])
            )
        elif kind == "number":
            fitting = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just("9" * 40))
        elif kind == "boolean":
            fitting = st.booleans()
        else:
            fitting = NASTY_VALUE
    return st.one_of(fitting, fitting, fitting, NASTY_VALUE)


def _operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    doc = app.openapi()
    components = doc.get("components", {}).get("schemas", {})
    ops = []
    for path, item in doc["paths"].items():
        if not path.startswith("/v1/") or path == LOGIN_PATH:
            continue
        for method, op in item.items():
            if method in {"get", "post"}:
                ops.append((method.upper(), path, _resolve(op, components)))
    return sorted(ops, key=lambda o: (o[1], o[0]))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state = tmp_path_factory.mktemp("fuzz")
    api_settings = {"auth": "keys", "ui": False, "rate_limit_per_minute": 10**8, "rate_limit_burst": 10**6}
    settings = load_settings(
        "test",
        state_dir=str(state),
        api=api_settings,
        graph={"uri": "bolt://127.0.0.1:9", "start_timeout_s": 1},
    )
    Brain(settings).start(graph=False).close()
    store = open_key_store(settings)
    keys = {"admin": store.create("admin", "fuzz")[1], "evaluator": store.create("evaluator", "fuzz")[1]}
    app = create_app(settings)
    with TestClient(app, client=LOOPBACK, raise_server_exceptions=False) as client:
        yield {"client": client, "keys": keys, "ops": _operations(app), "state": state}
    print(
        f"\nfuzz: {sum(CASES.values())} cases over {len(CASES)} operations; statuses {dict(sorted(STATUSES.items()))}"
    )


def _q(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _request(data: st.DataObject, op: dict[str, Any], path: str) -> tuple[str, dict[str, Any], bytes | None]:
    url = path
    query: dict[str, str] = {}
    for p in op.get("parameters", []):
        value = data.draw(_strategy(p.get("schema", {})), label=p["name"])
        text = value if isinstance(value, str) else json.dumps(value)
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", _q(text) or "x")
        elif p["in"] == "query" and (p.get("required") or data.draw(st.booleans())):
            query[p["name"]] = _q(text)
    body = None
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        value = data.draw(_strategy(content["application/json"].get("schema", {})), label="body")
        body = json.dumps(value, ensure_ascii=data.draw(st.booleans())).encode("utf-8", "surrogatepass")
    elif "application/octet-stream" in content:
        body = data.draw(st.binary(max_size=2000), label="body")
    return url, query, body


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_no_request_model_input_gives_a_server_error(api: dict[str, Any], data: st.DataObject) -> None:
    method, path, op = api["ops"][data.draw(st.integers(0, len(api["ops"]) - 1), label="operation")]
    role = data.draw(st.sampled_from(["admin", "evaluator"]), label="role")
    url, query, body = _request(data, op, path)
    headers = {"Authorization": f"Bearer {api['keys'][role]}"}
    if body is not None:
        ctype = (
            "application/octet-stream"
            if "application/octet-stream" in op["requestBody"]["content"]
            else "application/json"
        )
        headers["content-type"] = ctype
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    r = api["client"].request(method, url, content=body, headers=headers)
    CASES[f"{method} {path}"] += 1
    STATUSES[r.status_code] += 1
    if r.status_code == 503:
        assert r.json().get("title") in ("graph_unavailable", "llm_unavailable"), r.text
        return
    assert r.status_code < 500, (method, url, query, body[:300] if body else None, r.text[:500])
    if r.status_code >= 400:
        problem = r.json()
        assert re.search(r"[\u4e00-\u9fff]", problem["detail"]), problem  # Chinese for whoever reads it
