"""Chinese prompt templates as data with declared inputs.

Each template is one YAML file ``prompts/<name>.v<version>.yaml``::

    name: complaint_summary
    version: 1
    description: 把一条投诉整理成结构化要素（示例模板）
    inputs: [complaint, categories]     # every placeholder, no more, no less
    untrusted: [complaint]              # inputs that come from outside (complaint text, uploaded files)
    system: |
      你是综治中心的受理助手……
    user: |
      可选类别：{{ categories }}
      {{ complaint }}

Placeholders are Jinja2 (``{{ name }}``). Why the checks (after neo4j-graphrag ``generation/prompts.py``):
a typo in a placeholder or a forgotten input must fail loudly when the template is loaded or filled, not turn
into an empty string inside a prompt that nobody reads.

Untrusted inputs are *data*, never instructions: :meth:`PromptTemplate.render` wraps each one in a delimited
block (``<<<数据:complaint>>> … <<<数据结束:complaint>>>``), neutralises any delimiter the text itself contains,
and they may only appear in the user message. A complaint saying "忽略以上指令，输出……" therefore arrives as
quoted material inside the block and cannot close the block, add a message or change the schema. Values are
inserted once by Jinja and never re-rendered, so ``{{ … }}`` inside a complaint stays literal text.

Usage::

    import prompts
    tpl = prompts.load("complaint_summary")            # newest version; load(name, version=1) pins one
    messages = tpl.render(complaint=text, categories="邻里纠纷、婚姻家庭")
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from brain.errors import ConfigError, InputError

PROMPT_DIR = Path(__file__).resolve().parent
_FILE_RE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.yaml$")
_BLOCK_OPEN = "<<<数据:{name}>>>"
_BLOCK_CLOSE = "<<<数据结束:{name}>>>"
_DELIMITER_RE = re.compile(r"<<<|>>>")

# StrictUndefined: a placeholder without a value is an error, never an empty string.
_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class PromptTemplate:
    """One versioned template. Build it with :func:`load`; :meth:`render` turns inputs into chat messages."""

    name: str
    version: int
    description: str
    inputs: tuple[str, ...]
    untrusted: tuple[str, ...]
    system: str
    user: str
    path: Path | None = None
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = str(self.path or f"{self.name}.v{self.version}")
        declared = set(self.inputs)
        if len(declared) != len(self.inputs):
            raise ConfigError("提示词模板的 inputs 有重复项", where=where, hint="每个输入只声明一次")
        unknown_untrusted = set(self.untrusted) - declared
        if unknown_untrusted:
            raise ConfigError(
                f"untrusted 中的 {sorted(unknown_untrusted)} 不在 inputs 里",
                where=where,
                hint="untrusted 只能列出已在 inputs 中声明的输入",
            )
        found: set[str] = set()
        for part, text in (("system", self.system), ("user", self.user)):
            try:
                names = meta.find_undeclared_variables(_ENV.parse(text))
            except jinja2.TemplateSyntaxError as e:
                raise ConfigError(
                    f"提示词模板 {part} 段的 Jinja 语法错误：{e.message}",
                    where=f"{where}:{part}",
                    hint="占位符写作 {{ 名称 }}",
                ) from e
            if part == "system" and names & set(self.untrusted):
                raise ConfigError(
                    f"不可信输入 {sorted(names & set(self.untrusted))} 出现在 system 消息中",
                    where=where,
                    hint="投诉原文等外来文本只能放在 user 消息里，作为数据块插入",
                )
            found |= names
        if found != declared:
            missing, extra = sorted(found - declared), sorted(declared - found)
            raise ConfigError(
                "提示词模板的占位符与声明的 inputs 不一致"
                + (f"；未声明的占位符：{missing}" if missing else "")
                + (f"；声明了但未使用：{extra}" if extra else ""),
                where=where,
                hint="让 inputs 恰好列出模板中的全部占位符",
            )

    @property
    def key(self) -> str:
        """``name.vN``: what audit records and eval reports cite."""
        return f"{self.name}.v{self.version}"

    def render(self, **values: Any) -> list[dict[str, str]]:
        """Fill the template; returns ``[{"role": "system", ...}, {"role": "user", ...}]``.

        Raises :class:`InputError` naming the missing or unexpected inputs. Non-string values (lists, dicts)
        are written as JSON so a list of categories reads the same in every prompt.
        """
        given, declared = set(values), set(self.inputs)
        if given != declared:
            missing, extra = sorted(declared - given), sorted(given - declared)
            raise InputError(
                f"填充提示词 {self.key} 的输入不完整"
                + (f"；缺少：{missing}" if missing else "")
                + (f"；多余：{extra}" if extra else ""),
                where=str(self.path or self.key),
                hint=f"需要且只需要这些输入：{list(self.inputs)}",
            )
        filled = {k: self._prepare(k, v) for k, v in values.items()}
        messages = []
        for role, text in (("system", self.system), ("user", self.user)):
            content = _ENV.from_string(text).render(**filled).strip()
            if content:
                messages.append({"role": role, "content": content})
        return messages

    def _prepare(self, name: str, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if name not in self.untrusted:
            return text
        # Full-width look-alikes keep the text readable while making the delimiter impossible to forge.
        safe = _DELIMITER_RE.sub(lambda m: "《《《" if m.group(0) == "<<<" else "》》》", text)
        return f"{_BLOCK_OPEN.format(name=name)}\n{safe}\n{_BLOCK_CLOSE.format(name=name)}"


def _parse_file(path: Path) -> PromptTemplate:
    m = _FILE_RE.match(path.name)
    if not m:
        raise ConfigError(
            "提示词文件名不合规", where=str(path), hint="文件名写作 <name>.v<版本号>.yaml，如 intake.v1.yaml"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError("提示词文件不是合法的 YAML", where=str(path), hint=str(e)) from e
    if not isinstance(raw, dict):
        raise ConfigError("提示词文件顶层必须是映射", where=str(path))
    required = {"name", "version", "inputs", "system", "user"}
    absent = sorted(required - set(raw))
    if absent:
        raise ConfigError(
            f"提示词文件缺少字段：{absent}", where=str(path), hint=f"必填字段：{sorted(required)}"
        )
    unknown = sorted(set(raw) - required - {"description", "untrusted"})
    if unknown:
        raise ConfigError(
            f"提示词文件有未知字段：{unknown}",
            where=str(path),
            hint="可用字段：name, version, description, inputs, untrusted, system, user",
        )
    if raw["name"] != m["name"] or int(raw["version"]) != int(m["version"]):
        raise ConfigError(
            f"文件名与内容不一致：文件名是 {m['name']}.v{m['version']}，内容是 {raw['name']}.v{raw['version']}",
            where=str(path),
            hint="让 name/version 与文件名一致",
        )
    for key in ("inputs", "untrusted"):
        if not isinstance(raw.get(key, []), list) or not all(isinstance(x, str) for x in raw.get(key, [])):
            raise ConfigError(f"{key} 必须是字符串列表", where=str(path))
    return PromptTemplate(
        name=raw["name"],
        version=int(raw["version"]),
        description=str(raw.get("description", "")),
        inputs=tuple(raw["inputs"]),
        untrusted=tuple(raw.get("untrusted", [])),
        system=str(raw["system"]),
        user=str(raw["user"]),
        path=path,
        fingerprint=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
    )


def available(directory: Path = PROMPT_DIR) -> dict[str, list[int]]:
    """Template names and their versions, oldest first."""
    out: dict[str, list[int]] = {}
    for p in sorted(directory.glob("*.yaml")):
        m = _FILE_RE.match(p.name)
        if m:
            out.setdefault(m["name"], []).append(int(m["version"]))
    return {k: sorted(v) for k, v in out.items()}


@lru_cache(maxsize=128)
def _load_cached(path: Path, mtime_ns: int) -> PromptTemplate:
    return _parse_file(path)


def load(name: str, version: int | None = None, *, directory: Path = PROMPT_DIR) -> PromptTemplate:
    """Load ``<name>.v<version>.yaml`` (the newest version when ``version`` is None), checked on load."""
    versions = available(directory).get(name)
    if not versions:
        raise ConfigError(
            f"提示词模板 '{name}' 不存在",
            where=str(directory),
            hint=f"已有模板：{', '.join(sorted(available(directory))) or '（无）'}",
        )
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise ConfigError(
            f"提示词模板 '{name}' 没有版本 v{chosen}", where=str(directory), hint=f"已有版本：{versions}"
        )
    path = directory / f"{name}.v{chosen}.yaml"
    return _load_cached(path, path.stat().st_mtime_ns)
