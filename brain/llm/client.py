"""The hardened client for the model server (vLLM's OpenAI-compatible API, or anything speaking it).

What "hardened" means here, and why each part exists:

- **Explicit timeouts** (connect / read) so no call hangs; a slow server becomes an error the agents handle.
- **One retry layer**: the ``openai`` SDK's own ``max_retries`` (it already retries connection errors, 408,
  429 and 5xx with backoff). Nothing here retries again, so ``max_retries=1`` means at most two attempts.
- **Circuit breaker** (:mod:`brain.llm.breaker`): after repeated failures calls fail at once with
  :class:`LLMUnavailableError` instead of each waiting for a timeout.
- **Bounded concurrency**: a semaphore of ``max_concurrency`` keeps a burst of requests from queueing
  unboundedly inside vLLM (and from starving the API server's threads).
- **Token budget**: every request carries ``max_tokens``; a prompt that obviously cannot fit the context
  window fails before it is sent (:class:`PromptTooLongError`).
- **Guided JSON, validated again**: :meth:`LLMClient.complete_json` asks vLLM to constrain decoding to the
  JSON schema (``response_format`` ``json_schema``, served by xgrammar) and validates what arrives with
  ``jsonschema`` (and pydantic when given a model). Invalid JSON never reaches the caller.
- **Reasoning stripped**: R1-style ``<think>`` blocks and ``reasoning``/``reasoning_content`` fields are
  dropped (:mod:`brain.llm.thinking`).
- **Privacy**: every message passes through ``brain.privacy.redact`` before it leaves the process.

The agents treat :class:`LLMError` (and its subclass :class:`LLMUnavailableError`) as the signal to fall back
to deterministic mode. Messages and answers are never logged: they can carry personal data.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import jsonschema
import openai
from pydantic import BaseModel, ValidationError

from brain.errors import LLMError, LLMUnavailableError
from brain.llm.breaker import CircuitBreaker
from brain.llm.thinking import ThinkStripper, strip_think
from brain.settings import LLMSettings

log = logging.getLogger(__name__)

Message = dict[str, str]
M = TypeVar("M", bound=BaseModel)

_CJK_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
_PER_MESSAGE_OVERHEAD = 8  # role markers of the chat template


class PromptTooLongError(LLMError):
    """The prompt plus the answer budget cannot fit the model's context window; nothing was sent."""

    http_status = 413
    code = "llm_prompt_too_long"


def estimate_tokens(text: str) -> int:
    """A deliberately low estimate of the token count, so only prompts that *obviously* do not fit fail.

    Qwen/DeepSeek tokenizers spend about 0.6–1 token per Chinese character and ~4 characters per token of
    ASCII; taking the low end means a prompt rejected here would certainly be rejected by the server.
    """
    cjk = len(_CJK_RE.findall(text))
    return int(cjk * 0.6 + (len(text) - cjk) / 4)


def _load_redactor() -> Callable[[Sequence[str]], list[str]] | None:
    """The privacy hook: ``brain.privacy.redact(text, mapping) -> Redaction(text, mapping)``.

    The messages of one request are redacted in order with one shared mapping, so the same person gets the
    same placeholder in the system prompt, the history and the question.
    """
    try:
        from brain import privacy
    except ImportError:  # pragma: no cover - the package ships with the brain
        return None
    redact = getattr(privacy, "redact", None)
    if redact is None:
        return None

    def apply(texts: Sequence[str]) -> list[str]:
        mapping: dict[str, str] = {}
        out = []
        for text in texts:
            result = redact(text, mapping)
            mapping = result.mapping
            out.append(result.text)
        return out

    return apply


class LLMClient:
    """One client per process; thread-safe. Construction is cheap: it opens no connection."""

    def __init__(self, settings: LLMSettings, *, redactor: Callable[[str], str] | None = None) -> None:
        self.settings = settings
        self._sdk = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value(),
            timeout=openai.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            max_retries=settings.max_retries,
        )
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s)
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._redact = (lambda texts: [redactor(t) for t in texts]) if redactor else _load_redactor()
        if self._redact is None:
            log.warning("brain.privacy.redact is not available: LLM prompts are sent without redaction")

    # ------------------------------------------------------------------ public protocol
    def complete(
        self, messages: Sequence[Message], *, max_tokens: int | None = None, temperature: float | None = None
    ) -> str:
        """The answer text of one non-streamed completion, reasoning removed."""
        body = self._body(messages, max_tokens, temperature)
        with self._guard():
            resp = self._sdk.chat.completions.create(**body)
        return strip_think(resp.choices[0].message.content or "")

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int | None = None, temperature: float | None = None
    ) -> Iterator[str]:
        """Answer text as it is generated. Reasoning never appears; errors surface as :class:`LLMError`.

        The breaker check and the concurrency slot are taken when iteration starts and held until the
        stream ends or the consumer stops iterating.
        """
        body = self._body(messages, max_tokens, temperature)
        with self._guard():
            stripper = ThinkStripper()
            stream = self._sdk.chat.completions.create(**body, stream=True)
            try:
                for chunk in stream:
                    if not chunk.choices:
                        continue
                    # reasoning / reasoning_content deltas (vLLM reasoning parser) are ignored on purpose
                    piece = stripper.feed(chunk.choices[0].delta.content or "")
                    if piece:
                        yield piece
                tail = stripper.flush()
                if tail:
                    yield tail
            finally:
                stream.close()

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: dict[str, Any] | type[BaseModel],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> dict[str, Any]:
        """A JSON object that satisfies ``schema`` (a JSON Schema dict or a pydantic model class).

        Decoding is constrained on the server; the answer is validated again here, because a server without
        structured output (or a proxy in between) would otherwise pass anything through.
        """
        model = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
        schema_dict: dict[str, Any] = model.model_json_schema() if model else dict(schema)  # type: ignore[arg-type]
        name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema_dict.get("title", "output")))[:64] or "output"
        body = self._body(messages, max_tokens, temperature)
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema_dict, "strict": True},
        }
        with self._guard():
            resp = self._sdk.chat.completions.create(**body)
        choice = resp.choices[0]
        return self._validate(
            strip_think(choice.message.content or ""), schema_dict, model, choice.finish_reason
        )

    def status(self) -> dict[str, Any]:
        """Cheap health summary for ``/readyz``: no network call (the breaker already knows)."""
        state = self.breaker.state
        return {
            "ok": state != "open",
            "breaker": state,
            "model": self.settings.model,
            "base_url": self.settings.base_url,
            "redaction": self._redact is not None,
        }

    def ping(self) -> list[str]:
        """Model ids the server offers (``GET /v1/models``); goes through the breaker like any call."""
        with self._guard():
            return [m.id for m in self._sdk.models.list().data]

    def close(self) -> None:
        self._sdk.close()

    # ------------------------------------------------------------------ internals
    def _body(
        self, messages: Sequence[Message], max_tokens: int | None, temperature: float | None
    ) -> dict[str, Any]:
        if not messages:
            raise LLMError("没有要发送给大模型的消息", where="LLMClient", hint="至少提供一条 user 消息")
        budget = min(max_tokens or self.settings.max_tokens, self.settings.max_tokens)
        contents = [m["content"] for m in messages]
        if self._redact is not None:
            contents = self._redact(contents)
        clean = [{"role": m["role"], "content": c} for m, c in zip(messages, contents, strict=True)]
        prompt_tokens = sum(estimate_tokens(m["content"]) + _PER_MESSAGE_OVERHEAD for m in clean)
        if prompt_tokens + budget > self.settings.context_tokens:
            raise PromptTooLongError(
                f"提示词过长：估计至少 {prompt_tokens} 个 token，加上回答预算 {budget} 超过上下文窗口 "
                f"{self.settings.context_tokens}",
                where="LLMClient",
                hint="缩短检索片段或历史对话，或调大 llm.context_tokens（须与 vLLM --max-model-len 一致）",
                details={"estimated_prompt_tokens": prompt_tokens, "max_tokens": budget},
            )
        body: dict[str, Any] = {"model": self.settings.model, "messages": clean, "max_tokens": budget}
        if temperature is not None:
            body["temperature"] = temperature
        return body

    def _guard(self) -> _CallGuard:
        return _CallGuard(self)

    @staticmethod
    def _validate(
        text: str, schema: dict[str, Any], model: type[BaseModel] | None, finish_reason: str | None
    ) -> dict[str, Any]:
        hint = (
            "回答被 max_tokens 截断，请调大 max_tokens"
            if finish_reason == "length"
            else "确认 vLLM 启用了结构化输出（--structured-outputs-config backend=xgrammar）"
        )
        fenced = _FENCE_RE.match(text)
        raw = fenced.group(1) if fenced else text
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise LLMError(
                "大模型返回的不是合法 JSON",
                where=f"第 {e.lineno} 行第 {e.colno} 列",
                hint=hint,
                details={"finish_reason": finish_reason, "chars": len(text)},
            ) from e
        try:
            jsonschema.validate(data, schema)
        except jsonschema.ValidationError as e:
            path = "/".join(str(p) for p in e.absolute_path) or "(根)"
            raise LLMError(f"大模型返回的 JSON 不符合约定结构：{e.message}", where=path, hint=hint) from e
        if model is not None:
            try:
                return model.model_validate(data).model_dump(mode="json")
            except ValidationError as e:
                raise LLMError("大模型返回的 JSON 未通过字段校验", where=model.__name__, hint=str(e)) from e
        if not isinstance(data, dict):
            raise LLMError("大模型返回的 JSON 不是对象", where="(根)", hint="JSON Schema 的顶层应为 object")
        return data


class _CallGuard:
    """Breaker check + concurrency slot around one call; maps SDK errors onto the project's errors."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self._slot = False

    def __enter__(self) -> None:
        c = self.client
        if not c.breaker.allow():
            raise LLMUnavailableError(
                "大模型服务暂不可用（熔断保护已开启）",
                where=c.settings.base_url,
                hint=f"约 {c.breaker.retry_in_s():.0f} 秒后自动重试；期间使用规则模式",
                details={"breaker": "open"},
            )
        if not c._slots.acquire(timeout=c.settings.timeout_s):
            c.breaker.release_trial()
            raise LLMUnavailableError(
                "大模型并发请求已满，排队超时",
                where=c.settings.base_url,
                hint="稍后重试，或调大 llm.max_concurrency",
            )
        self._slot = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        c = self.client
        if self._slot:
            c._slots.release()
        where = c.settings.base_url
        if exc is None or isinstance(exc, GeneratorExit):
            c.breaker.record_success()
            return
        if isinstance(exc, openai.APITimeoutError):
            c.breaker.record_failure()
            raise LLMUnavailableError(
                "大模型服务响应超时",
                where=where,
                hint=f"读超时 {c.settings.timeout_s} 秒；检查 GPU 负载或调大 llm.timeout_s",
            ) from exc
        if isinstance(exc, openai.APIConnectionError):
            c.breaker.record_failure()
            raise LLMUnavailableError(
                "无法连接大模型服务",
                where=where,
                hint="确认 vLLM 已启动（python -m gpu_server.launch）且地址正确",
            ) from exc
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status >= 500 or status == 429:
                c.breaker.record_failure()
                raise LLMUnavailableError(
                    f"大模型服务出错（HTTP {status}）",
                    where=where,
                    hint="查看 vLLM 日志；服务恢复后熔断器会自动关闭",
                ) from exc
            c.breaker.record_success()  # the server is up; the request itself was wrong
            hint = (
                "检查 llm.api_key 与 vLLM --api-key 是否一致"
                if status in (401, 403)
                else "检查请求参数与模型名"
            )
            raise LLMError(
                f"大模型服务拒绝了请求（HTTP {status}）", where=where, hint=hint, details={"status": status}
            ) from exc
        if isinstance(exc, openai.OpenAIError):
            c.breaker.record_failure()
            raise LLMError("调用大模型失败", where=where, hint=type(exc).__name__) from exc
        c.breaker.release_trial()  # anything else (a bug, KeyboardInterrupt) propagates unchanged
