"""Start vLLM for one profile: ``python -m gpu_server.launch --profile r1-distill-qwen-32b [--dry-run]``.

Why a launcher instead of a shell line: the profile (``gpu_server/profiles/<name>.yaml``) is the one record of
how the model is served — served name, context length, memory share, parallelism, reasoning parser, structured
output backend — and the same file carries the memory arithmetic behind those numbers. The launcher refuses
to start with a missing model directory (weights come only from local disk; nothing is downloaded) or without
an API key, and binds 127.0.0.1: vLLM's ``--api-key`` guards only the ``/v1`` routes, so the server must never
be reachable from the network directly (see ``gpu_server/README.md``).

The API key is read by vLLM from the ``VLLM_API_KEY`` environment variable, so it never appears in ``ps``.
This module uses only the standard library and PyYAML: it runs in the GPU server's own environment.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
API_KEY_ENV = "VLLM_API_KEY"


class LaunchError(Exception):
    """A profile or environment problem, reported as one clear line before anything starts."""


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load_profile(name: str) -> dict[str, Any]:
    path = PROFILE_DIR / f"{name}.yaml"
    if not path.exists():
        raise LaunchError(f"未知的部署档案 '{name}'；可用：{', '.join(available_profiles())}")
    profile = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [
        k
        for k in ("model_dir", "served_model_name", "max_model_len", "gpu_memory_utilization")
        if k not in profile
    ]
    if missing:
        raise LaunchError(f"部署档案 {path} 缺少字段：{missing}")
    return dict(profile)


def build_command(
    profile: dict[str, Any], *, model_dir: Path | None = None, host: str = "127.0.0.1", port: int = 8001
) -> list[str]:
    """The exact ``vllm serve`` argv for a profile (flags as in vLLM 0.33's CLI)."""
    model = str(model_dir or profile["model_dir"])
    cmd = [
        "vllm",
        "serve",
        model,
        "--served-model-name",
        profile["served_model_name"],
        "--host",
        host,
        "--port",
        str(port),
        "--dtype",
        str(profile.get("dtype", "auto")),
        "--max-model-len",
        str(profile["max_model_len"]),
        "--gpu-memory-utilization",
        str(profile["gpu_memory_utilization"]),
        "--max-num-seqs",
        str(profile.get("max_num_seqs", 64)),
        "--tensor-parallel-size",
        str(profile.get("tensor_parallel_size", 1)),
    ]
    if profile.get("pipeline_parallel_size", 1) > 1:
        cmd += ["--pipeline-parallel-size", str(profile["pipeline_parallel_size"])]
    if profile.get("distributed_executor_backend"):
        cmd += ["--distributed-executor-backend", profile["distributed_executor_backend"]]
    cmd.append(
        "--enable-prefix-caching"
        if profile.get("enable_prefix_caching", True)
        else "--no-enable-prefix-caching"
    )
    if profile.get("reasoning_parser"):
        cmd += ["--reasoning-parser", profile["reasoning_parser"]]
    backend = profile.get("structured_outputs_backend", "xgrammar")
    cmd += ["--structured-outputs-config", json.dumps({"backend": backend})]
    if profile.get("trust_remote_code"):
        cmd.append("--trust-remote-code")
    # Prompts carry (redacted) complaint text: keep them out of the access log. Request logging is off by default.
    cmd.append("--disable-uvicorn-access-log")
    return cmd


def check_model_dir(path: Path) -> None:
    if not path.is_dir():
        raise LaunchError(
            f"模型目录不存在：{path}。权重只从本地目录加载（不联网下载）："
            f"把模型拷贝到该目录，或用 --model-dir 指定实际位置"
        )
    if not (path / "config.json").exists():
        raise LaunchError(f"模型目录 {path} 中没有 config.json：这不是一个 Hugging Face 格式的模型目录")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu_server.launch", description="启动 vLLM 模型服务")
    parser.add_argument("--profile", help=f"部署档案：{', '.join(available_profiles())}")
    parser.add_argument("--model-dir", type=Path, help="覆盖档案中的模型目录")
    parser.add_argument("--host", default="127.0.0.1", help="默认只绑定本机；对外只经由 brain 暴露")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--dry-run", action="store_true", help="只打印将执行的 vllm 命令")
    parser.add_argument("--list", action="store_true", help="列出全部部署档案")
    args = parser.parse_args(argv)
    if args.list or not args.profile:
        for name in available_profiles():
            p = load_profile(name)
            print(
                f"{name:28s} {p['served_model_name']:32s} tp={p.get('tensor_parallel_size', 1)} "
                f"pp={p.get('pipeline_parallel_size', 1)} max_len={p['max_model_len']}"
            )
        return 0 if args.list else 2
    try:
        profile = load_profile(args.profile)
        model_dir = args.model_dir or Path(profile["model_dir"])
        check_model_dir(model_dir)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"警告：vLLM 将监听 {args.host}；--api-key 不保护 /health、/metrics 等路由，"
                "请只在路由白名单代理之后这样做",
                file=sys.stderr,
            )
        cmd = build_command(profile, model_dir=model_dir, host=args.host, port=args.port)
        if args.dry_run:
            print(shlex.join(cmd))
            print(
                f"# API key: read by vLLM from ${API_KEY_ENV} (set={API_KEY_ENV in os.environ})",
                file=sys.stderr,
            )
            return 0
        if not os.environ.get(API_KEY_ENV):
            raise LaunchError(
                f"未设置 {API_KEY_ENV}：请设置与 brain 的 BRAIN_LLM__API_KEY 相同的密钥后再启动"
            )
    except LaunchError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    os.execvp(cmd[0], cmd)  # replace this process: systemd then supervises vLLM itself


if __name__ == "__main__":
    sys.exit(main())
