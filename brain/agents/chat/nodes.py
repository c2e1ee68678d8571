"""Nodes of the mediator chat graph: contextualize -> retrieve -> (answer | no_basis) -> check -> record.

Every node reads the shared :class:`~brain.agents.chat.state.ChatState` and returns a partial update. Text for
the caller is pushed through LangGraph's custom stream (``get_stream_writer``) as it is produced, so the HTTP
layer can forward it as SSE ``delta`` events before the run ends.

Why each step exists:

* **contextualize** — mediators ask follow-ups ("第二个案例的结果是什么？", "那彩礼呢？"). An ordinal
  reference is resolved against the previous answer's numbered sources; a short or pronoun-led question
  inherits the previous topic so retrieval sees what the mediator means.
* **retrieve** — statutes (in force only), precedent cases and mediation strategies from the governance graph,
  numbered once so [n] in the answer always resolves to a source. Then the relevance gate decides whether the
  corpus can answer at all (see :func:`assess_relevance`); if not, the answer is "未找到依据", never a guess.
* **answer** — deterministic mode builds an extractive answer labelled as such; LLM mode generates from the
  numbered sources only, and falls back to the extractive answer if the model fails.
* **check** — every statute the model names must exist in the index and be in force; otherwise the mention is
  removed and the answer flagged. [n] markers that point at no source are removed too.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from brain.agents.chat.citations import REMOVED_MARK as REMOVED_MARK
from brain.agents.chat.citations import check_citations
from brain.agents.chat.relevance import assess_relevance, close_to_best, search_query
from brain.agents.chat.state import ChatContext, ChatState, Source, Turn
from brain.agents.intake.schema import ClassifyRequest, StrategiesRequest
from brain.errors import BrainError, LLMError
from brain.types import SearchFilters, SearchRequest, normalize_law_name

if TYPE_CHECKING:
    from brain.llm import LLMBackend
    from brain.types import Hit

log = logging.getLogger(__name__)

EXTRACTIVE_LABEL = "以下为检索摘录，非模型生成。"
NO_BASIS = "未找到依据"
NO_BASIS_ANSWER = (
    f"{NO_BASIS}：知识库（法条、类案、调解策略）中没有与这个问题足够相关的内容，因此不作推测。"
    "请换一种说法描述纠纷事实，或补充纠纷类型、当事人关系等信息。"
)

STATUTES_K = 3
CASES_K = 3
STRATEGIES_K = 2
SNIPPET_CHARS = 160

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# "第二个案例", "第2个", "第三条来源", "[2]" — an ordinal *with* 个 or a bracket, so 第1079条 is not one.
_ORDINAL = re.compile(
    r"(?:第([一二两三四五六七八九十]|\d{1,2})个(案例|案件|判例|法条|条文|策略|来源)?)|(?:\[(\d{1,2})\])"
)
_FOLLOW_UP_LEAD = (
    "那",
    "那么",
    "这种",
    "这个",
    "如果",
    "还有",
    "它",
    "该",
    "上述",
    "刚才",
    "另外",
    "此外",
    "再",
)
SHORT_FOLLOW_UP_CHARS = 10


def _ordinal_value(token: str) -> int:
    return int(token) if token.isdigit() else _CN_NUM[token]


def _short(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ChatNodes:
    """The graph's nodes. They hold nothing: the parts (retrieval, intake, the LLM back end) come from the
    run context (``runtime.context``, a :class:`ChatContext`), so one compiled graph serves every run."""

    # ------------------------------------------------------------------ contextualize
    def contextualize(self, state: ChatState) -> dict[str, Any]:
        question = state["question"].strip()
        turns = [Turn.model_validate(t) for t in state.get("turns", [])]
        last = next((t for t in reversed(turns) if t.role == "assistant" and t.sources), None)
        topic = next((t.topic for t in reversed(turns) if t.role == "assistant" and t.topic), None)

        referenced: list[dict[str, Any]] = []
        if last is not None:
            for m in _ORDINAL.finditer(question):
                if m.group(3):
                    wanted = [s for s in last.sources if s.n == int(m.group(3))]
                else:
                    kind = {
                        "案例": "case",
                        "案件": "case",
                        "判例": "case",
                        "法条": "statute",
                        "条文": "statute",
                        "策略": "strategy",
                    }.get(m.group(2) or "")
                    pool = [s for s in last.sources if kind is None or s.kind == kind]
                    idx = _ordinal_value(m.group(1)) - 1
                    wanted = pool[idx : idx + 1]
                referenced += [s.model_dump() for s in wanted]

        query = question
        if topic and not referenced and self._is_follow_up(question):
            query = f"{topic} {question}"
        # a turn about "第二个案例" keeps the thread's topic for the next follow-up
        return {"query": query, "referenced": referenced, "topic": topic if referenced else query}

    @staticmethod
    def _is_follow_up(question: str) -> bool:
        body = re.sub(r"[\s？?。！!，,]", "", question)
        return len(body) <= SHORT_FOLLOW_UP_CHARS or body.startswith(_FOLLOW_UP_LEAD)

    # ------------------------------------------------------------------ retrieve
    def retrieve(self, state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        ctx = runtime.context
        if state.get("referenced"):
            expanded = [
                self._expand_referenced(ctx, Source.model_validate(s), i + 1)
                for i, s in enumerate(state["referenced"])
            ]
            return {
                "sources": [s.model_dump() for s in expanded],
                "relevance": {"in_domain": True, "reason": "指代上一轮的来源"},
            }

        query = state["query"]
        words = search_query(query)
        statutes = self._search(ctx, words, SearchFilters(kind="statute", in_force=True), STATUTES_K)
        cases = self._search(ctx, words, SearchFilters(kind="case"), CASES_K)
        widened = query != state["question"].strip()
        relevance = assess_relevance(query, [*statutes, *cases], state["question"] if widened else None)
        if not relevance["in_domain"]:
            return {"sources": [], "relevance": relevance}

        sources: list[Source] = []
        overall = max((h.score.fused for h in [*statutes, *cases]), default=0.0)
        for hit in [*close_to_best(statutes, overall), *close_to_best(cases, overall)]:
            sources.append(
                Source(
                    n=len(sources) + 1,
                    id=hit.doc_id,
                    kind=hit.kind,
                    title=hit.title,
                    # a case id means nothing to a mediator; its title (案由 + source) does
                    citation=hit.citation.label() if hit.kind == "statute" else f"案例：{hit.title}",
                    # a text that may be superseded says so before its words
                    snippet=(f"【提示：{hit.warning}】" if hit.warning else "") + _short(hit.text),
                    score=round(hit.score.fused, 4),
                )
            )
        for strat in self._strategies(ctx, query):
            sources.append(strat.model_copy(update={"n": len(sources) + 1}))
        return {"sources": [s.model_dump() for s in sources], "relevance": relevance}

    @staticmethod
    def _search(ctx: ChatContext, query: str, filters: SearchFilters, k: int) -> list[Hit]:
        req = SearchRequest(query=query[:2000], top_k=k, filters=filters)
        hits = ctx.retrieval.search(req).hits
        seen: set[str] = set()
        unique = []
        for h in hits:  # several chunks of one document count once
            if h.doc_id not in seen:
                seen.add(h.doc_id)
                unique.append(h)
        return unique

    @staticmethod
    def _strategies(ctx: ChatContext, query: str) -> list[Source]:
        """Mediation strategies for the question's dispute type, from the governance graph (via intake).

        The graph is optional at run time (``graph.required`` false): when it is down, or the classifier
        abstains on the question, the answer simply has no strategy section.
        """
        if ctx.intake is None:
            return []
        try:
            # the classifier, not the model: a chat turn should cost at most one model call
            result = ctx.intake.classify(ClassifyRequest(text=query, mode="deterministic"))
            dispute_type = result.classification.dispute_type
            if not dispute_type:
                return []
            items = ctx.intake.strategies(StrategiesRequest(dispute_type=dispute_type)).items
        except (BrainError, ImportError) as e:
            log.info("chat: no graph strategies (%s)", type(e).__name__)
            return []
        out = []
        for item in items[:STRATEGIES_K]:
            title = item.title or "调解策略"
            path = list(item.graph_path)
            where = "图谱" if item.source == "graph" else "类案"
            shown = " → ".join(_RELATION_CN.get(p, p) for p in path)
            citation = f"治理图谱：{shown}" if path else f"{where}：{dispute_type}·{title}"
            out.append(
                Source(
                    n=0,
                    id=f"strategy:{dispute_type}:{title}",
                    kind="strategy",
                    title=title,
                    citation=citation,
                    snippet=_short(item.text or title),
                )
            )
        return out

    @staticmethod
    def _expand_referenced(ctx: ChatContext, src: Source, n: int) -> Source:
        """A referenced case or article is re-read in full so its outcome (not just the snippet) is at hand."""
        if src.kind == "strategy":
            return src.model_copy(update={"n": n})
        try:
            doc = ctx.retrieval.get_document(src.id)
        except BrainError:
            return src.model_copy(update={"n": n})
        if doc.kind != "case":
            return src.model_copy(update={"n": n, "snippet": _short(doc.text, 400)})
        outcome = f"结果：{doc.outcome}" if doc.outcome else "结果：该案例摘录未单列裁判结果，请查看原文"
        body = f"{outcome}；案情：{doc.facts or doc.text}"
        return src.model_copy(update={"n": n, "snippet": _short(body, 400)})

    @staticmethod
    def route_after_retrieve(state: ChatState) -> Literal["answer", "no_basis"]:
        return (
            "answer" if state.get("relevance", {}).get("in_domain") and state.get("sources") else "no_basis"
        )

    # ------------------------------------------------------------------ answer
    def no_basis(self, state: ChatState) -> dict[str, Any]:
        get_stream_writer()({"type": "delta", "text": NO_BASIS_ANSWER})
        return {"answer": NO_BASIS_ANSWER, "flags": ["no_basis"], "sources": []}

    def answer(self, state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        sources = [Source.model_validate(s) for s in state["sources"]]
        llm = runtime.context.llm
        if state.get("use_llm") and llm is not None:
            try:
                return {"answer": self._generate(llm, state, sources), "flags": ["llm"]}
            except LLMError as e:
                log.warning("chat: model failed, extractive fallback (%s)", e.code)
                get_stream_writer()({"type": "reset", "text": ""})
                return {"answer": self._extractive(state, sources), "flags": ["extractive", "llm_fallback"]}
        return {"answer": self._extractive(state, sources), "flags": ["extractive"]}

    def _extractive(self, state: ChatState, sources: list[Source]) -> str:
        """The deterministic answer: numbered excerpts grouped by kind, emitted one segment at a time."""
        write = get_stream_writer()
        segments = [EXTRACTIVE_LABEL + "\n"]
        if state.get("referenced"):
            segments.append("\n您指的是上一轮回答中的来源：\n")
            segments += [f"[{s.n}] {s.title}：{s.snippet}\n" for s in sources]
        else:
            groups = (
                ("statute", "相关法条（现行有效）"),
                ("case", "类似案例"),
                ("strategy", "调解策略（治理图谱）"),
            )
            for kind, heading in groups:
                picked = [s for s in sources if s.kind == kind]
                if picked:
                    segments.append(f"\n{heading}：\n")
                    segments += [
                        f"[{s.n}] {s.citation if kind == 'statute' else s.title}：{s.snippet}\n"
                        for s in picked
                    ]
        segments.append("\n请结合纠纷具体事实核对上述依据；点击编号可查看原文。")
        for seg in segments:
            write({"type": "delta", "text": seg})
        return "".join(segments)

    @staticmethod
    def _generate(llm: LLMBackend, state: ChatState, sources: list[Source]) -> str:
        from prompts import load as load_prompt

        history = [Turn.model_validate(t) for t in state.get("turns", [])][-6:]
        # Personal data is redacted by the LLM client, over all messages with one shared mapping (so one
        # person keeps one placeholder across question, history and sources); nothing to redact here.
        messages = load_prompt("chat_answer").render(
            question=state["question"],
            history="\n".join(
                f"{'调解员' if t.role == 'user' else '助手'}：{_short(t.content, 300)}" for t in history
            )
            or "（无）",
            sources="\n".join(f"[{s.n}] {s.citation}｜{s.title}：{s.snippet}" for s in sources),
        )
        write = get_stream_writer()
        pieces: list[str] = []
        for piece in llm.stream(messages):
            if piece:
                pieces.append(piece)
                write({"type": "delta", "text": piece})
        return "".join(pieces)

    @staticmethod
    def route_after_answer(state: ChatState) -> Literal["check", "record"]:
        return "check" if "llm" in state.get("flags", []) else "record"

    # ------------------------------------------------------------------ citation check (LLM mode)
    def check(self, state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        ctx = runtime.context
        answer, removed = check_citations(
            state["answer"], len(state.get("sources", [])), lambda law, art: statute_ok(ctx, law, art)
        )
        flags = list(state.get("flags", []))
        if removed:
            flags.append("citations_removed")
            log.info("chat: removed %d unverified citation(s)", len(removed))
        return {"answer": answer, "flags": flags, "removed": removed}

    # ------------------------------------------------------------------ record
    def record(self, state: ChatState) -> dict[str, Any]:
        user = Turn(role="user", content=state["question"])
        topic = state.get("topic") if "no_basis" not in state.get("flags", []) else None
        reply = Turn(
            role="assistant",
            content=state["answer"],
            flags=state.get("flags", []),
            sources=[Source.model_validate(s) for s in state.get("sources", [])],
            topic=topic,
        )
        return {"turns": [user.model_dump(), reply.model_dump()]}


def statute_ok(ctx: ChatContext, law: str, article: int) -> bool | str:
    """《law》第article条 checked against the index: False unless it is there and in force; else the version
    of the text checked (a note to show after the mention), or True when it has none."""
    name = normalize_law_name(law)
    try:
        hits = ctx.retrieval.search(
            SearchRequest(
                query=f"{name}第{article}条", top_k=20, filters=SearchFilters(kind="statute", law=name)
            )
        ).hits
    except BrainError:
        return False
    for h in hits:
        if h.citation.article == article and normalize_law_name(h.citation.law or "") == name:
            try:
                doc = ctx.retrieval.get_document(h.doc_id)
            except BrainError:
                return False
            if not doc.in_force:
                continue  # an older version of the law: look for the current one
            if doc.superseded:
                return f"{doc.version}版；{doc.superseded}" if doc.version else doc.superseded
            return f"{doc.version}版" if doc.version else True
    return False


# Graph relation types in a citation a mediator reads (the ids and graph_path keep the Cypher names).
_RELATION_CN = {"SUGGESTS": "建议策略", "SUBTYPE_OF": "属于", "EXAMPLE_OF": "案例"}
