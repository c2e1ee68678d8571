"""The vLLM launcher: the dry run prints the exact command for every profile; a missing model dir is refused."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from gpu_server.launch import available_profiles, build_command, load_profile, main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    (tmp_path / "config.json").write_text("{}")
    return tmp_path


@pytest.mark.parametrize("name", available_profiles())
def test_dry_run_prints_the_vllm_command(
    name: str, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--profile", name, "--model-dir", str(model_dir), "--dry-run"]) == 0
    argv = shlex.split(capsys.readouterr().out.strip())
    profile = load_profile(name)
    assert argv[:3] == ["vllm", "serve", str(model_dir)]
    opts = {flag: argv[i + 1] for i, flag in enumerate(argv[:-1]) if flag.startswith("--")}
    assert opts["--host"] == "127.0.0.1"
    assert opts["--served-model-name"] == profile["served_model_name"]
    assert opts["--max-model-len"] == str(profile["max_model_len"])
    assert opts["--tensor-parallel-size"] == str(profile.get("tensor_parallel_size", 1))
    assert json.loads(opts["--structured-outputs-config"]) == {"backend": "xgrammar"}
    assert "--enable-prefix-caching" in argv
    assert ("--reasoning-parser" in argv) == bool(profile.get("reasoning_parser"))
    assert "--api-key" not in argv  # the key comes from VLLM_API_KEY, never the process list


def test_multi_node_profile_uses_ray() -> None:
    argv = build_command(load_profile("deepseek-r1-671b-2node"))
    assert argv[argv.index("--distributed-executor-backend") + 1] == "ray"
    assert argv[argv.index("--pipeline-parallel-size") + 1] == "2"


def test_missing_model_dir_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gpu_server.launch",
            "--profile",
            "r1-distill-qwen-32b",
            "--dry-run",
            "--model-dir",
            str(tmp_path / "absent"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert "模型目录不存在" in proc.stderr and "--model-dir" in proc.stderr


def test_directory_without_config_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "r1-distill-qwen-7b", "--model-dir", str(tmp_path), "--dry-run"]) == 1
    assert "config.json" in capsys.readouterr().err


def test_real_start_needs_an_api_key(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    assert main(["--profile", "qwen2.5-7b-instruct", "--model-dir", str(model_dir)]) == 1
    assert "VLLM_API_KEY" in capsys.readouterr().err
