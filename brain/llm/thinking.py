"""Removing R1-style reasoning (``<think>…</think>``) from model output.

DeepSeek-R1 and its distills write their reasoning before the answer. With vLLM's ``--reasoning-parser
deepseek_r1`` the reasoning arrives in a separate ``reasoning``/``reasoning_content`` field and the client
simply ignores it; without the parser it arrives inline, in three shapes this module handles:

- ``<think>推理</think>答案`` — a complete block;
- ``推理</think>答案`` — no opening tag, because the R1 chat template already put ``<think>`` in the prompt;
- ``<think>推理…`` — cut off by ``max_tokens`` before the block closed: there is no answer at all.

Reasoning is never shown to users or parsed as JSON: it can quote personal data and is not the answer.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "<think>", "</think>"
_BLOCK_RE = re.compile(r"<think>.*?</think>", re.DOTALL)


def strip_think(text: str) -> str:
    """The answer part of a complete (non-streamed) model output."""
    if CLOSE in text:
        # Everything up to the last closing tag is reasoning, whether or not the opening tag was emitted.
        text = text.rsplit(CLOSE, 1)[1]
    text = _BLOCK_RE.sub("", text)
    if OPEN in text:  # an unclosed block: the rest is unfinished reasoning
        text = text.split(OPEN, 1)[0]
    return text.strip()


class ThinkStripper:
    """Streaming version: feed chunks, get back the visible part; tags may be split across chunks.

    A stream cannot take back what it already emitted, so the opening-tag-less shape (``推理</think>答案``)
    is only handled if it starts with reasoning the server marked with the tag; production runs vLLM with
    the reasoning parser, which sends reasoning in a separate field (see ``docs/llm.md``).
    """

    def __init__(self) -> None:
        self._buf = ""
        self._inside = False
        self._started = False  # seen any non-whitespace output yet

    def feed(self, chunk: str) -> str:
        self._buf += chunk
        out: list[str] = []
        while self._buf:
            if self._inside:
                end = self._buf.find(CLOSE)
                if end < 0:
                    # keep a possible partial closing tag, drop the rest of the reasoning
                    self._buf = self._buf[-(len(CLOSE) - 1) :]
                    break
                self._buf = self._buf[end + len(CLOSE) :].lstrip()
                self._inside = False
                continue
            start = self._buf.find(OPEN)
            if start >= 0:
                out.append(self._buf[:start])
                self._buf = self._buf[start + len(OPEN) :]
                self._inside = True
                continue
            keep = _partial_suffix(self._buf, OPEN)
            out.append(self._buf[: len(self._buf) - keep])
            self._buf = self._buf[len(self._buf) - keep :]
            break
        text = "".join(out)
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text

    def flush(self) -> str:
        """End of stream: a held-back partial tag that never completed is ordinary text."""
        rest, self._buf = ("" if self._inside else self._buf), ""
        return rest


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0
