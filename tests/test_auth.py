"""API keys, roles and per-route scopes: every role against every /v1 route of the real app.

The matrix is generated from the app's own OpenAPI document and ``brain.security.ROLE_SCOPES``, so a route
another area adds later is covered without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brain.api.app import create_app
from brain.security import LOGIN_PATH, ROLE_SCOPES, ROLES, KeyStore, open_key_store, scope_for_path
from brain.settings import load_settings

LOOPBACK = ("127.0.0.1", 50000)


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], KeyStore]]:
    state = tmp_path_factory.mktemp("auth")
    # Auth is decided before any capability runs, so no graph server is needed: point the graph at a closed
    # port instead of letting a graph route start (and leave behind) an embedded server on the default port.
    settings = load_settings(
        "test",
        state_dir=str(state),
        api={"auth": "keys", "ui": False, "unauthenticated_per_minute": 100_000},
        graph={"uri": "bolt://127.0.0.1:9"},
    )
    store = open_key_store(settings)
    keys = {role: store.create(role, f"测试-{role}")[1] for role in ROLES}
    app = create_app(settings)
    yield TestClient(app, client=LOOPBACK), keys, store
    app.state.brain.close()


def _operations() -> list[tuple[str, str]]:
    app = create_app(load_settings("test", state_dir="/tmp/brain-auth-openapi", api={"ui": False}))
    ops = []
    for path, item in app.openapi()["paths"].items():
        if path.startswith("/v1/") and path != LOGIN_PATH:  # the login is how a key is obtained
            ops += [(m.upper(), path) for m in item if m in {"get", "post", "put", "patch", "delete"}]
    return sorted(ops)


OPERATIONS = _operations()


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    url = re.sub(r"\{[^}]+\}", "probe-id", path)
    # a malformed JSON body: an authorised POST stops at validation (422) instead of doing real work
    kwargs: dict[str, Any] = (
        {"content": b"{", "headers": {**headers, "content-type": "application/json"}}
        if method in {"POST", "PUT", "PATCH"}
        else {"headers": headers}
    )
    return client.request(method, url, **kwargs)


def test_the_matrix_covers_every_route_group() -> None:
    assert OPERATIONS, "the app exposes no /v1 operations"
    assert {scope_for_path(p) for _, p in OPERATIONS} >= {"tools"}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_without_a_key_every_v1_route_is_401(keyed: Any, method: str, path: str) -> None:
    client, _, _ = keyed
    r = _call(client, method, path, {})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "API 密钥" in r.json()["detail"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_wrong_key_is_401(keyed: Any, method: str, path: str) -> None:
    client, keys, _ = keyed
    forged = keys["admin"][:-4] + "AAAA"
    assert _call(client, method, path, {"Authorization": f"Bearer {forged}"}).status_code == 401
    assert _call(client, method, path, {"X-API-Key": "fq_deadbeef_nope"}).status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_each_role_against_each_route(keyed: Any, role: str, method: str, path: str) -> None:
    client, keys, _ = keyed
    header = {"Authorization": f"Bearer {keys[role]}"} if role != "clerk" else {"X-API-Key": keys[role]}
    r = _call(client, method, path, header)
    if scope_for_path(path) in ROLE_SCOPES[role]:
        assert r.status_code not in (401, 403), (role, method, path, r.text)
    else:
        assert r.status_code == 403, (role, method, path, r.text)
        assert role in r.json()["detail"]


def test_scope_table_shape() -> None:
    assert ROLE_SCOPES["admin"] >= set().union(*ROLE_SCOPES.values())
    assert "agreements" not in ROLE_SCOPES["evaluator"] and "chat" not in ROLE_SCOPES["evaluator"]
    assert "agreements" not in ROLE_SCOPES["clerk"]
    assert scope_for_path("/v1/something-new") == "admin"  # closed until someone decides
    assert scope_for_path("/v1/searching") == "admin"  # prefixes match whole segments


def test_revoked_key_is_refused(keyed: Any) -> None:
    client, _, store = keyed
    info, key = store.create("mediator", "将被吊销")
    store.revoke(info.key_id)
    assert client.get("/v1/tools", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert next(k for k in store.list() if k.key_id == info.key_id).revoked_at


def test_keys_are_stored_hashed(keyed: Any) -> None:
    _, keys, store = keyed
    raw = Path(store.path).read_bytes()
    for key in keys.values():
        assert key.encode() not in raw
        assert key.split("_", 2)[2].encode() not in raw


def test_public_paths_need_no_key(keyed: Any) -> None:
    client, _, _ = keyed
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/metrics").status_code == 401  # metrics need the admin or system role
    assert client.get("/not-a-route").status_code == 401  # unknown paths do not reveal themselves


def test_open_mode_admits_loopback_only(tmp_path: Path) -> None:
    settings = load_settings("test", state_dir=str(tmp_path), api={"auth": "open", "ui": False})
    app = create_app(settings)
    assert TestClient(app, client=LOOPBACK).get("/v1/tools").status_code == 200
    r = TestClient(app, client=("10.1.2.3", 40000)).get("/v1/tools")
    assert r.status_code == 403 and "本机" in r.json()["detail"]


def test_open_mode_is_refused_outside_dev_profiles() -> None:
    from brain.errors import ConfigError

    with pytest.raises(ConfigError):
        load_settings("gpu", secret_key="x" * 32, llm={"api_key": "y"}, api={"auth": "open"})


def test_keys_cli_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from brain.cli import app

    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path))
    runner = CliRunner()
    created = runner.invoke(
        app, ["keys", "create", "--role", "clerk", "--name", "窗口1", "--profile", "test"]
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("fq_")
    listed = runner.invoke(app, ["keys", "list", "--profile", "test"])
    assert "窗口1" in listed.stdout and key not in listed.stdout
    key_id = key.split("_")[1]
    assert runner.invoke(app, ["keys", "revoke", key_id, "--profile", "test"]).exit_code == 0
    bad = runner.invoke(app, ["keys", "create", "--role", "boss", "--name", "x", "--profile", "test"])
    assert bad.exit_code != 0 and "未知角色" in bad.output
