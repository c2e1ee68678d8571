"""Build the shipped offline Chinese embedder (``data/models/fengqiao-static-zh``) from public data.

Why this exists: no Chinese sentence-embedding model ships on PyPI and model hubs are unreachable, so the
project trains its own small one. It is a sentence-transformers ``StaticEmbedding`` (mean of trained token
vectors, no transformer): a few MB, encodes thousands of chunks per second on one CPU core, and loads with
nothing but sentence-transformers.

Recipe (deterministic: fixed seeds, CPU, single thread for the training loop):

1. Tokenizer: a ``tokenizers`` BPE model (pieces of at most 6 characters) trained on the training texts
   below. Chinese has no spaces, so the pre-tokenizer only splits on whitespace, punctuation and digit runs;
   BPE merges then learn word-like pieces (邻居, 不动产, 权利人) inside each clause. NFKC normalisation folds
   full-width forms. (BPE rather than Unigram: the Unigram trainer is not reproducible run to run, BPE is.)
2. Training pairs (MultipleNegativesRankingLoss, in-batch negatives, symmetric):
   - statute articles (every law under ``laws/`` except ``案例/`` and ``司法解释/``): the first sentence of
     an article <-> the rest of it, and "<law> <chapter>" <-> the article text;
   - CJRC **test** split: each question <-> its judgment context (questions only: the 案由 labels are never
     used, because the intake suite evaluates 案由 classification on these contexts);
   - CAIL2019 SCM sample: judgment A <-> judgment B of each (A, B, C) triplet (B is the similar one);
   - STARD **train** lay questions <-> the text of each article they cite (current version in
     ``data/library/national.jsonl.gz``), each pair twice; folds ``query_id % 5`` in 2..4 only: dev (0) is
     evaluation, fold 1 is kept for ``tools/train_fusion.py`` to fit the fusion weights on unseen questions.
   Not used, because they are evaluation material: the CJRC **dev** split (retrieval dev set a), the
   司法解释 and the 52 案例 summaries (statute look-up dev set b), LawBench and the 泰迪杯 messages (intake).
3. Vectors start random (seeded) and are trained with Adam; the result is saved with
   ``SentenceTransformer.save``.

Usage: ``python tools/train_embedder.py [--laws DIR] [--cjrc-test FILE] [--out DIR]`` (about 2-3 minutes on
2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LAWS = Path("/work/shared/data/laws")
DEFAULT_CJRC_TEST = Path("/work/shared/data/cjrc/test_ground_truth.json")
DEFAULT_SCM = Path("/work/shared/data/scm_sample/input.txt")
EXCLUDED_LAW_FOLDERS = {"案例", "司法解释"}  # the statute dev set is built from these
DEFAULT_OUT = REPO / "data" / "models" / "fengqiao-static-zh"
SEED = 20240601
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def law_articles(laws_dir: Path) -> Iterator[tuple[str, str | None, str]]:
    """(law name, chapter, article text) for every article of every law file outside 案例/."""
    from ingest.records import normalize_law_name
    from ingest.statute import find_articles

    for path in sorted(laws_dir.rglob("*.md")):
        if EXCLUDED_LAW_FOLDERS & set(path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        law = normalize_law_name(re.sub(r"\(.*?\)$", "", path.stem))
        if path.parent.name == "民法典":
            law = "民法典"
        for art in find_articles(text, part=None):
            body = text[art.start : art.end]
            body = body[len(art.label) :].strip()
            if body:
                yield law, art.chapter, body


def cjrc_items(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(context, questions) for every judgment excerpt of a CJRC split."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for entry in data:
        for para in entry["paragraphs"]:
            questions = [qa["question"] for qa in para["qas"] if qa.get("question")]
            yield para["context"], questions


def scm_pairs(path: Path) -> Iterator[tuple[str, str]]:
    """(A, B) of each SCM triplet, each cut to its first 512 characters (the facts come first)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            yield row["A"][:512], row["B"][:512]


STARD_HELD_OUT_FOLD = 1  # query_id % 5 == 1: kept from the embedder so tools/train_fusion.py can fit on it


def stard_pairs(stard_train: Path, library: Path) -> Iterator[tuple[str, str]]:
    """STARD **train** question <-> the text of each article it cites (current library version). Dev
    questions (query_id % 5 == 0) are not in the train file; fold 1 is left out on purpose (see above)."""
    import gzip

    wanted: dict[tuple[str, int], list[str]] = {}
    with open(stard_train, encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            if int(case["id"].split(":")[1]) % 5 == STARD_HELD_OUT_FOLD:
                continue
            for c in case["expected"]["citations"]:
                wanted.setdefault((c["law"], int(c["article"])), []).append(case["query"])
    with gzip.open(library, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            key = (d.get("law"), d.get("article"))
            if "@" not in d["id"] and key in wanted:
                for q in wanted[key]:
                    yield q, d["text"]


def build_pairs(
    laws_dir: Path, cjrc_test: Path, scm: Path, stard: tuple[Path, Path] | None = None, stard_repeat: int = 2
) -> tuple[list[tuple[str, str]], list[str]]:
    """Training pairs and the raw texts the tokenizer learns from."""
    pairs: list[tuple[str, str]] = []
    texts: list[str] = []
    if stard is not None:
        for q, article in stard_pairs(*stard):
            texts.extend((q, article))
            pairs.extend([(q, article)] * stard_repeat)
    for law, chapter, body in law_articles(laws_dir):
        texts.append(body)
        sentences = [s for s in _SENTENCE_END.split(body) if s.strip()]
        if len(sentences) >= 2 and len(sentences[0]) >= 6:
            pairs.append((sentences[0], "".join(sentences[1:])))
        if chapter:
            pairs.append((f"{law} {chapter}", body))
    for context, questions in cjrc_items(cjrc_test):
        texts.append(context)
        texts.extend(questions)
        for q in questions:
            pairs.append((q, context))
    for a, b in scm_pairs(scm):
        texts.extend((a, b))
        pairs.append((a, b))
    return pairs, texts


def train_tokenizer(texts: list[str], vocab_size: int) -> Any:
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import BPE
    from tokenizers.trainers import BpeTrainer

    tok = Tokenizer(BPE(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Punctuation(),
            pre_tokenizers.Digits(individual_digits=False),
        ]
    )
    trainer = BpeTrainer(
        vocab_size=vocab_size, special_tokens=["[UNK]", "[PAD]"], max_token_length=6, show_progress=False
    )
    tok.train_from_iterator(texts, trainer=trainer)
    tok.enable_truncation(max_length=512)
    return tok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--laws", type=Path, default=DEFAULT_LAWS)
    ap.add_argument("--cjrc-test", type=Path, default=DEFAULT_CJRC_TEST)
    ap.add_argument("--scm", type=Path, default=DEFAULT_SCM)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--vocab", type=int, default=16000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument(
        "--stard-train",
        type=Path,
        default=REPO / "eval/datasets/stard_train.jsonl",
        help="STARD train questions <-> cited articles (fold 1 held out); 'none' to leave them out",
    )
    ap.add_argument("--library", type=Path, default=REPO / "data/library/national.jsonl.gz")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    t0 = time.time()
    stard = (args.stard_train, args.library) if str(args.stard_train) != "none" else None
    pairs, texts = build_pairs(args.laws, args.cjrc_test, args.scm, stard)
    print(f"pairs={len(pairs)} tokenizer texts={len(texts)}")
    tokenizer = train_tokenizer(texts, args.vocab)
    print(f"tokenizer vocab={tokenizer.get_vocab_size()} ({time.time() - t0:.1f}s)")

    weights = torch.randn(tokenizer.get_vocab_size(), args.dim, generator=torch.Generator().manual_seed(SEED))
    static = StaticEmbedding(tokenizer, embedding_weights=weights * 0.1)
    model = SentenceTransformer(modules=[static], device="cpu")
    optim = torch.optim.Adam(model.parameters(), lr=args.lr)
    scale = 20.0
    rng = random.Random(SEED)
    for epoch in range(args.epochs):
        rng.shuffle(pairs)
        total, steps = 0.0, 0
        for i in range(0, len(pairs) - args.batch + 1, args.batch):
            batch = pairs[i : i + args.batch]
            a = model(model.preprocess([p[0] for p in batch]))["sentence_embedding"]
            b = model(model.preprocess([p[1] for p in batch]))["sentence_embedding"]
            a = torch.nn.functional.normalize(a, dim=-1)
            b = torch.nn.functional.normalize(b, dim=-1)
            sims = a @ b.T * scale
            labels = torch.arange(len(batch))
            loss = (
                torch.nn.functional.cross_entropy(sims, labels)
                + torch.nn.functional.cross_entropy(sims.T, labels)
            ) / 2
            optim.zero_grad()
            loss.backward()
            optim.step()
            total += float(loss.detach())
            steps += 1
        print(f"epoch {epoch + 1}/{args.epochs} loss={total / max(steps, 1):.4f} ({time.time() - t0:.1f}s)")

    args.out.mkdir(parents=True, exist_ok=True)
    model.save(str(args.out))
    (args.out / "TRAINING.md").write_text(
        "# fengqiao-static-zh\n\nBuilt by `python tools/train_embedder.py` (see its docstring for the data and "
        f"recipe).\n\n- pairs: {len(pairs)}\n- vocab: {tokenizer.get_vocab_size()}\n- dim: {args.dim}\n"
        f"- epochs: {args.epochs}, batch: {args.batch}, lr: {args.lr}, seed: {SEED}\n"
        "- sources: LawRefBook/Laws @ 2f4c5c2 (statutes; 案例 and 司法解释 excluded), CAIL2019 @ 010ebce "
        "(CJRC test-split questions and contexts, no 案由 labels; SCM sample A/B), oneal2000/STARD @ bae10e1 "
        "(train questions <-> cited articles of data/library, folds query_id % 5 in 2..4; dev and fold 1 never)\n",
        encoding="utf-8",
    )
    print(f"saved to {args.out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
