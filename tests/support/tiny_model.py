"""A tiny causal language model built on the spot: the stand-in for a 32B model in tests.

Why build one instead of downloading: nothing may come from a model hub, and the tests need a *real*
transformers model behind a *real* OpenAI-compatible server (tokenizer, chat template, KV-cache decoding,
grammar-constrained sampling) — only the weights are random. Built in about three seconds:

- a byte-level BPE tokenizer trained locally with ``tokenizers`` on a few hundred lines of Chinese governance
  text and JSON (so Chinese characters and JSON punctuation are real tokens, and every byte is reachable);
- a 2-layer Qwen2 (hidden size 64) with random weights, saved with ``save_pretrained`` and loaded back the
  way a server loads a model directory;
- an xgrammar compiler over that tokenizer, for JSON-schema constrained decoding.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import xgrammar as xgr
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "<|im_start|>assistant\n"
)
MAX_MODEL_LEN = 8192
# Random weights have no idea when a string or list should end; the server tightens free-form lengths
# (a stricter subset of the caller's schema) so answers finish inside the token budget.
STRING_CAP, ARRAY_CAP = 16, 3

_BASE_LINES = [
    "邻居装修噪音扰民，多次协商无果，请求社区调解。",
    "某建筑公司拖欠农民工工资三个月，共计12000元，工人到镇综治中心反映。",
    "夫妻因抚养费和房产分割发生争执，女方请求村人民调解委员会介入。",
    "小区物业擅自提高停车费，业主集体投诉，要求公开收费依据。",
    "两户村民因宅基地边界发生纠纷，一方砍伐了另一方种植的树木。",
    "患者家属对医院诊疗结果不满，在门诊大厅聚集，需医疗纠纷调解委员会处理。",
    "交通事故双方就赔偿金额协商不成，交警部门转介诉前调解。",
    "网格员巡查发现独居老人与子女赡养纠纷，存在民转刑风险，标注橙色预警。",
    "征地补偿款分配不均，十余名村民到县信访局上访。",
    "依据《中华人民共和国人民调解法》第十七条，当事人可以向人民调解委员会申请调解。",
    "《中华人民共和国民法典》第一千零八十四条规定，离婚后父母对子女仍有抚养、教育、保护的权利和义务。",
    "小事不出村、大事不出镇、矛盾不上交。受理后一个工作日内分流交办。",
    "风险等级：红、橙、黄、蓝。红色风险由县级领导包案，限期化解。",
    "人民调解协议书：经调解，双方自愿达成如下协议，本协议自双方签字之日起生效。",
    "甲方：张某，乙方：李某，调解员：王某，调解日期：2024年5月6日。",
]
_JSON_LINES = [
    '{"category": "邻里纠纷", "parties": 2, "summary": "装修噪音扰民", "urgent": false}',
    '{"category": "劳动争议", "parties": 15, "summary": "拖欠工资12000元", "urgent": true}',
    '{"risk": "橙", "level": "乡镇", "deadline_days": 5, "departments": ["司法所", "派出所"]}',
    '{"answer": "建议先行调解", "citations": [1, 2], "confidence": 0.72, "need_review": null}',
    '[{"role": "user", "content": "类似案例？"}, {"role": "assistant", "content": "[1] 劳动争议"}]',
]


def corpus_lines() -> list[str]:
    """A few hundred lines: built-in text and JSON, plus the demo corpus when it is present."""
    lines = [*_BASE_LINES, *_JSON_LINES] * 8
    for path in sorted((REPO_ROOT / "data" / "corpus").glob("*.jsonl"))[:2]:
        with path.open(encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i >= 150:
                    break
                text = json.loads(line).get("text", "")
                lines.extend(t for t in text.splitlines() if t.strip())
    return lines


def build_tiny_model(directory: Path, *, vocab_size: int = 2000, seed: int = 0) -> Path:
    """Train the tokenizer, build the random model, save both under ``directory``; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "config.json").exists():
        return directory
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus_lines(), trainer)
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=MAX_MODEL_LEN,
    )
    hf_tok.chat_template = CHAT_TEMPLATE
    hf_tok.save_pretrained(directory)
    config = Qwen2Config(
        vocab_size=len(hf_tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_MODEL_LEN,
        tie_word_embeddings=True,
        eos_token_id=hf_tok.eos_token_id,
        pad_token_id=hf_tok.pad_token_id,
    )
    torch.manual_seed(seed)
    Qwen2ForCausalLM(config).save_pretrained(directory)
    return directory


def cap_schema(schema: Any) -> Any:
    """A copy of ``schema`` with free-form strings and arrays bounded (see ``STRING_CAP``)."""
    if isinstance(schema, list):
        return [cap_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: cap_schema(v) for k, v in schema.items()}
    free = not any(k in out for k in ("enum", "const", "pattern", "format"))
    if out.get("type") == "string" and free and "maxLength" not in out:
        out["maxLength"] = max(int(out.get("minLength", 0)), STRING_CAP)
    if out.get("type") == "array" and "maxItems" not in out:
        out["maxItems"] = max(int(out.get("minItems", 0)), ARRAY_CAP)
    return out


@dataclass
class Generation:
    prompt_tokens: int
    completion_tokens: int = 0
    finish_reason: str = "length"


class TinyModel:
    """Loads a model directory and decodes token by token (KV cache), optionally under a JSON schema."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.tokenizer = AutoTokenizer.from_pretrained(directory)
        self.model = AutoModelForCausalLM.from_pretrained(directory).eval()
        self.vocab_size = self.model.config.vocab_size
        info = xgr.TokenizerInfo.from_huggingface(self.tokenizer, vocab_size=self.vocab_size)
        self.compiler = xgr.GrammarCompiler(info, max_threads=1)
        self.eos_id = int(self.tokenizer.eos_token_id)
        # Tokens carrying control bytes are suppressed: a trained model would not emit them, and xgrammar
        # 0.2.8 lets them into strings bounded by maxLength (found while building this; see docs/llm.md).
        vocab = info.decoded_vocab
        self.suppressed = torch.tensor(
            [i for i, b in enumerate(vocab) if i != self.eos_id and any(c < 0x20 for c in b)]
        )
        self.lock = threading.Lock()  # one decode at a time: predictable CPU use on a shared machine

    def prompt_ids(self, messages: list[dict[str, Any]]) -> list[int]:
        text = str(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def close(self) -> None:
        """Wait for a generation in flight (bounded), then drop the compiler and the model."""
        import gc

        acquired = self.lock.acquire(timeout=30)
        try:
            self.__dict__.pop("compiler", None)
            self.__dict__.pop("model", None)
            gc.collect()
        finally:
            if acquired:
                self.lock.release()

    def generate(
        self,
        prompt_ids: list[int],
        *,
        max_tokens: int,
        temperature: float,
        seed: int | None,
        schema: dict[str, Any] | None,
        json_object: bool,
        gen: Generation,
    ) -> Iterator[str]:
        """Yield text pieces as tokens are decoded; ``gen`` receives the counts and the finish reason."""
        matcher = bitmask = None
        if schema is not None or json_object:
            compiled = (
                self.compiler.compile_json_schema(json.dumps(cap_schema(schema)), any_whitespace=False)
                if schema is not None
                else self.compiler.compile_builtin_json_grammar()
            )
            matcher = xgr.GrammarMatcher(compiled)
            bitmask = xgr.allocate_token_bitmask(1, self.vocab_size)
        generator = torch.Generator().manual_seed(seed if seed is not None else 0)
        ids: list[int] = []
        emitted = ""
        with self.lock, torch.no_grad():
            past = None
            step_input = torch.tensor([prompt_ids])
            for _ in range(max_tokens):
                out = self.model(input_ids=step_input, past_key_values=past, use_cache=True)
                past = out.past_key_values
                logits = out.logits[:, -1, :].float()
                if len(self.suppressed):
                    logits[:, self.suppressed] = float("-inf")
                if matcher is not None and bitmask is not None:
                    if matcher.is_terminated():
                        gen.finish_reason = "stop"
                        break
                    matcher.fill_next_token_bitmask(bitmask)
                    xgr.apply_token_bitmask_inplace(logits, bitmask)
                if temperature <= 0:
                    token = int(torch.argmax(logits, dim=-1))
                else:
                    probs = torch.softmax(logits / temperature, dim=-1)
                    token = int(torch.multinomial(probs, 1, generator=generator))
                if token == self.eos_id:
                    gen.finish_reason = "stop"
                    break
                if matcher is not None:
                    matcher.accept_token(token)
                ids.append(token)
                gen.completion_tokens += 1
                step_input = torch.tensor([[token]])
                text = str(self.tokenizer.decode(ids, skip_special_tokens=True))
                if not text.endswith("\ufffd"):  # hold back an incomplete UTF-8 sequence
                    yield text[len(emitted) :]
                    emitted = text
            if matcher is not None and matcher.is_terminated():
                gen.finish_reason = "stop"
        text = str(self.tokenizer.decode(ids, skip_special_tokens=True))
        if text != emitted and text.startswith(emitted):
            yield text[len(emitted) :]
