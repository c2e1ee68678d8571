"""Mediator chat in deterministic mode, over the real index of the shipped corpus and a real SQLite
checkpointer: cited answers, "未找到依据" outside the corpus, follow-ups, and threads that survive a restart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from brain.agents.chat.graph import build_graph
from brain.agents.chat.nodes import EXTRACTIVE_LABEL, NO_BASIS, REMOVED_MARK, check_citations, statute_ok
from brain.agents.chat.state import ChatEvent, ChatHistoryRequest, ChatMessageRequest
from brain.errors import InputError, LLMError
from brain.graph import GraphService
from brain.requests import DocumentRequest
from brain.service import Brain
from brain.settings import load_settings
from knowledge_graph.memory import MemoryGraph
from tests.support.fake_llm import FakeLLM

IN_DOMAIN = [
    "有没有类似的宅基地纠纷案例？",
    "邻居装修噪音扰民适用哪条法律？",
    "拖欠工资怎么调解？",
    "离婚时彩礼要不要返还？",
]
OUT_OF_DOMAIN = ["明天天气怎么样", "怎么做红烧肉", "推荐几部好看的电影"]


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index build per module (about 10 s on two cores); each test gets its own threads."""
    path = tmp_path_factory.mktemp("chat-state")
    Brain(load_settings("test", state_dir=str(path))).start(graph=False).close()
    return path


@pytest.fixture(scope="module")
def graph_store() -> MemoryGraph:
    """The governance graph for the strategy sources, in memory (knowledge_graph/memory.py, the contract-tested
    reference store): the seed is loaded once per module and no JVM starts on the default port."""
    return MemoryGraph()


def make_brain(state_dir: Path, store: MemoryGraph) -> Brain:
    settings = load_settings("test", state_dir=str(state_dir))
    return Brain(settings, graph=GraphService(settings, backend=store)).start(graph=False)


@pytest.fixture
def brain(state_dir: Path, graph_store: MemoryGraph) -> Iterator[Brain]:
    b = make_brain(state_dir, graph_store)
    yield b
    b.close()


def ask(brain: Brain, thread: str, question: str) -> list[ChatEvent]:
    return list(brain.chat(ChatMessageRequest(message=question, thread_id=thread)))


def done(events: list[ChatEvent]) -> dict:
    assert events[-1].event == "done"
    return events[-1].data


def sources(events: list[ChatEvent]) -> list[dict]:
    return next(e.data["sources"] for e in events if e.event == "sources")


@pytest.mark.parametrize("question", IN_DOMAIN)
def test_in_domain_question_gets_extractive_answer_citing_real_sources(brain: Brain, question: str) -> None:
    events = ask(brain, f"t-{abs(hash(question))}", question)
    kinds = [e.event for e in events]
    assert kinds[0] == "meta" and kinds[-2:] == ["sources", "done"] and kinds.count("delta") >= 3
    answer = done(events)["answer"]
    assert answer.startswith(EXTRACTIVE_LABEL)
    assert answer == "".join(e.data["text"] for e in events if e.event == "delta")  # deltas add up
    srcs = sources(events)
    assert srcs, "an in-domain answer must cite at least one source"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert cited == {s["n"] for s in srcs}  # every [n] resolves, every source is cited
    for s in srcs:
        if s["kind"] in ("statute", "case"):
            doc = brain.get_document(DocumentRequest(doc_id=s["id"]))  # a real document of the index
            assert doc.kind == s["kind"]
            if doc.kind == "statute":
                assert doc.in_force, f"{s['citation']} is not in force"


def test_relevant_sources_come_first(brain: Brain) -> None:
    srcs = sources(ask(brain, "t-relevance", "邻居装修噪音扰民适用哪条法律？"))
    statutes = [s for s in srcs if s["kind"] == "statute"]
    assert any("噪声" in s["citation"] for s in statutes), statutes


@pytest.mark.parametrize("question", OUT_OF_DOMAIN)
def test_out_of_domain_question_gets_no_basis(brain: Brain, question: str) -> None:
    events = ask(brain, f"o-{abs(hash(question))}", question)
    d = done(events)
    assert d["answer"].startswith(NO_BASIS) and d["flags"] == ["no_basis"]
    assert sources(events) == []


def test_out_of_domain_follow_up_does_not_borrow_the_topic(brain: Brain) -> None:
    ask(brain, "t-borrow", "有没有类似的宅基地纠纷案例？")
    assert done(ask(brain, "t-borrow", "明天天气怎么样"))["flags"] == ["no_basis"]


def test_ordinal_follow_up_resolves_against_previous_sources(brain: Brain) -> None:
    first = sources(ask(brain, "t-ordinal", "有没有类似的宅基地纠纷案例？"))
    second_case = [s for s in first if s["kind"] == "case"][1]
    events = ask(brain, "t-ordinal", "第二个案例的结果是什么？")
    srcs = sources(events)
    assert [s["id"] for s in srcs] == [second_case["id"]]
    assert "结果" in done(events)["answer"]


def test_short_follow_up_reuses_previous_topic(brain: Brain) -> None:
    ask(brain, "t-topic", "有没有类似的宅基地纠纷案例？")
    events = ask(brain, "t-topic", "那继承呢？")
    assert "extractive" in done(events)["flags"]
    turns = brain.chat_history(ChatHistoryRequest(thread_id="t-topic")).turns
    assert "宅基地" in (turns[-1].topic or "") and "继承" in (turns[-1].topic or "")


def test_thread_survives_restart(state_dir: Path, graph_store: MemoryGraph) -> None:
    b1 = make_brain(state_dir, graph_store)
    first = sources(ask(b1, "t-restart", "有没有类似的宅基地纠纷案例？"))
    b1.close()
    assert (state_dir / "chat.sqlite").exists()
    b2 = make_brain(state_dir, graph_store)  # as a new process would
    try:
        turns = b2.chat_history(ChatHistoryRequest(thread_id="t-restart")).turns
        assert [t.role for t in turns] == ["user", "assistant"]
        assert turns[1].sources[0].id == first[0]["id"]
        again = sources(ask(b2, "t-restart", "第一个案例的结果是什么？"))
        assert again[0]["id"] == next(s for s in first if s["kind"] == "case")["id"]
        assert len(b2.chat_history(ChatHistoryRequest(thread_id="t-restart")).turns) == 4
    finally:
        b2.close()


def test_unknown_thread_has_empty_history(brain: Brain) -> None:
    assert brain.chat_history(ChatHistoryRequest(thread_id="never-used")).turns == []


@pytest.mark.parametrize(
    ("thread", "message"), [("ok", "   "), ("bad id with spaces", "问题"), ("ok", "问" * 2001)]
)
def test_bad_input_is_rejected_before_streaming(brain: Brain, thread: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        brain.chat(ChatMessageRequest(message=message, thread_id=thread))
    assert e.value.where in ("message", "thread_id") and e.value.hint


def test_graph_compiles_fresh_without_checkpointer(brain: Brain) -> None:
    """A graph without a checkpointer still answers (each call is then its own one-turn thread)."""
    graph = build_graph()
    out = graph.invoke(
        {"question": "拖欠工资怎么调解？", "use_llm": False}, context=brain.chat_service.context
    )
    assert out["answer"].startswith(EXTRACTIVE_LABEL) and len(out["turns"]) == 2


def test_check_citations_removes_unknown_statutes_and_dangling_markers() -> None:
    known = {("民法典", 1079)}
    text = "依据《中华人民共和国民法典》第1079条可以调解[1]；另见《民法典》第9999条[2]，以及治安管理处罚法第88条[7]。"
    out, removed = check_citations(text, 2, lambda law, art: (law, art) in known)
    assert "《中华人民共和国民法典》第1079条" in out and "[1]" in out and "[2]" in out
    assert "第9999条" not in out and "第88条" not in out and "[7]" not in out
    assert out.count(REMOVED_MARK) == 2
    assert set(removed) == {"《民法典》第9999条", "治安管理处罚法第88条", "[7]"}


def test_statute_check_uses_the_index_and_in_force_flag(brain: Brain) -> None:
    ctx = brain.chat_service.context
    assert statute_ok(ctx, "民法典", 1079)
    assert statute_ok(ctx, "中华人民共和国民法典", 1079)
    assert not statute_ok(ctx, "民法典", 9999)
    assert not statute_ok(ctx, "不存在的法", 1)
    # the shipped corpus marks some articles not in force
    repealed = brain.get_document(DocumentRequest(doc_id="statute:仲裁法:80"))
    assert not repealed.in_force
    assert not statute_ok(ctx, "仲裁法", 80)


# ---------------------------------------------------------------------------------------------- LLM mode, fake model
def fake_llm_brain(state_dir: Path, llm: FakeLLM) -> Brain:
    """The real index, an in-process fake model (tests/support/fake_llm.py), a graph on a closed port
    (no strategy section). The wire — SSE, redaction of what is sent — is tested in test_chat_api.py."""
    settings = load_settings("test", state_dir=str(state_dir), graph={"uri": "bolt://127.0.0.1:9"})
    return Brain(settings, llm=llm).start(graph=False)


def test_llm_answer_keeps_verified_citations_and_removes_the_rest(state_dir: Path) -> None:
    llm = FakeLLM("根据《民法典》第1079条[1]，可以先行调解；另据《民法典》第9999条应当赔偿[9]。")
    brain = fake_llm_brain(state_dir, llm)
    try:
        events = ask(brain, "fake-llm-1", "离婚纠纷适用哪条法律？")
    finally:
        brain.close()
    assert events[0].data["mode"] == "llm" and [c.kind for c in llm.calls] == ["stream"]
    d = done(events)
    assert "llm" in d["flags"] and "citations_removed" in d["flags"]
    assert set(d["removed"]) == {"《民法典》第9999条", "[9]"}
    assert "《民法典》第1079条[1]" in d["answer"] and REMOVED_MARK in d["answer"]
    assert "[1]" in llm.calls[0].messages[-1]["content"]  # the numbered sources went to the model


def test_llm_failure_resets_the_stream_and_answers_extractively(state_dir: Path) -> None:
    llm = FakeLLM(LLMError("模型服务不可用", where="test"))
    brain = fake_llm_brain(state_dir, llm)
    try:
        events = ask(brain, "fake-llm-2", "拖欠工资怎么调解？")
    finally:
        brain.close()
    assert "reset" in [e.event for e in events]
    d = done(events)
    assert d["flags"] == ["extractive", "llm_fallback"] and d["answer"].startswith(EXTRACTIVE_LABEL)


def test_use_llm_false_never_calls_the_model(state_dir: Path) -> None:
    llm = FakeLLM("不应被调用")
    brain = fake_llm_brain(state_dir, llm)
    try:
        events = list(brain.chat(ChatMessageRequest(message="拖欠工资怎么调解？", use_llm=False)))
    finally:
        brain.close()
    assert events[0].data["mode"] == "deterministic" and llm.calls == []
    assert "extractive" in done(events)["flags"]
