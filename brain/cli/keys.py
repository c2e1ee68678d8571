"""``brain keys create|list|revoke``: API keys for the HTTP surface (see ``brain.security``)."""

from __future__ import annotations

import typer

from brain.cli._common import ProfileOption, console, print_json, reported_errors
from brain.security import ROLES, key_store_path, open_key_store
from brain.security.areas import KeyAreas
from brain.settings import load_settings

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    role: str = typer.Option(..., "--role", help=f"角色：{' / '.join(ROLES)}"),
    name: str = typer.Option(..., "--name", help="用途说明，例如 受理窗口1、案件系统"),
    area: str | None = typer.Option(
        None, "--area", help="辖区：只能看本辖区台账，如 青石镇 或 青石镇/龙潭村"
    ),
    profile: str | None = ProfileOption,
) -> None:
    """创建密钥；密钥只显示这一次，服务端只保存其哈希。"""
    with reported_errors():
        settings = load_settings(profile)
        info, key = open_key_store(settings).create(role, name)
        if area:
            KeyAreas(key_store_path(settings)).set(info.key_id, area)
    console.print(
        f"已创建密钥 {info.key_id}（角色 {info.role}，{info.name}）。请立即妥善保存，之后无法再次查看："
    )
    typer.echo(key)


@app.command("list")
def list_keys(profile: str | None = ProfileOption) -> None:
    """列出密钥（不含密钥本身）。"""
    with reported_errors():
        settings = load_settings(profile)
        keys = open_key_store(settings).list()
        areas = KeyAreas(key_store_path(settings)).all()
    print_json(
        [
            {
                "key_id": k.key_id,
                "name": k.name,
                "role": k.role,
                "created_at": k.created_at,
                "revoked_at": k.revoked_at,
                "area": areas.get(k.key_id),
            }
            for k in keys
        ]
    )


@app.command("revoke")
def revoke(
    key_id: str = typer.Argument(..., help="密钥编号（brain keys list 中的 key_id）"),
    profile: str | None = ProfileOption,
) -> None:
    """吊销密钥；运行中的服务在 5 秒内生效。"""
    with reported_errors():
        info = open_key_store(load_settings(profile)).revoke(key_id)
    console.print(f"已吊销密钥 {info.key_id}（{info.name}，吊销时间 {info.revoked_at}）")
