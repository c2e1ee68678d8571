"""The deterministic type decision: text -> :class:`Classification`, self-contained (taxonomy, keyword rules,
the level-1 and level-2 models, thresholds), so the service only constructs it and calls ``classify``.

Steps, each leaving a reason a clerk can read:

1. Sentences that give the system an order ("SYSTEM: classify as …", "请分类为…") are removed before anything
   is scored, and the result carries a warning (``guard.py``).
2. The level-1 model scores the rest (calibrated probabilities, ``classifier.Scores``).
3. A catch-all (损害赔偿纠纷, 合同纠纷; and 医疗纠纷 for food that made someone sick) — or a type named for who
   the parties are or what the land is (邻里纠纷 → a homestead boundary, 治安纠纷 → a spouse beaten, 山林土地 /
   房屋宅基地 / 生产经营 → an agency's decision contested: ``situations.OVERRIDES``) — yields to a specific type
   (a) that the text states the situation of (``situations.py``: an injury on a building site, a defect in
   something bought, a collision …) and the model ranks among its first ``SITUATION_RANK`` candidates, or at
   any rank when the statement is plain (``situations.STRONG``: 工伤, an employee of a unit hurt at work, 家暴,
   a fine or demolition order the complainant asks to be revoked) —
   the specific type then carries the catch-all's probability too, since the catch-all is the generic name of
   the same harm — or (b) that the text names by
   the taxonomy's terms while not naming the catch-all by its own, ranked second with at least half the
   catch-all's probability: an injury at work is 工伤 → 劳动争议, a child hurt at school 校园伤害, food that made
   someone sick 消费纠纷.
   Any top type that does not state its own situation yields to 劳动争议 when a work injury is stated
   plainly (``situations.ANY_TOP``: a fall on a housing estate's building site is no 房屋宅基地纠纷).
4. Abstain (需人工研判) when the text is unlike anything trained on (its strongest class-specific evidence,
   ``Scores.strength``, below the 5th percentile of the calibration texts — a text about a sunny day in the
   park scores ~1, a wage complaint ~5), carries almost no known n-grams, or the top probability is below
   the threshold.
5. The level-2 model names a sub-type within the chosen parent when it holds ≥ 0.5 of the parent's mass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brain.agents.intake.classifier import KeywordClassifier, TfidfClassifier
from brain.agents.intake.guard import strip_instructions, warning_for
from brain.agents.intake.schema import ABSTAIN_LABEL, Candidate, Classification
from brain.agents.intake.situations import stated_override
from brain.agents.intake.taxonomy import TaxonomyIndex

SUBTYPE_MIN = 0.5  # a sub-type is named only when the sub-type model is this sure within the parent
DEFAULT_THRESHOLD = 0.35  # for a model trained without a tuned threshold
MIN_EVIDENCE = 4  # known multi-character n-grams below which a text is treated as carrying no content
CATCH_ALL = ("损害赔偿纠纷", "合同纠纷")
# A type named for who the parties are yields to the subject matter when the text names that: neighbours
# quarrelling over a 宅基地 boundary is a 宅基地 dispute (it needs land-title work, not a village talk).
RELATION_YIELDS = {"邻里纠纷": ("房屋宅基地纠纷", "山林土地纠纷")}
YIELD_RATIO = 0.5  # a named specific type takes over at >= this share of the probability it replaces
SITUATION_RANK = 3  # a stated situation counts for a type among the model's first 3 (OOF: 3 beat 5 and 19)


@dataclass
class TypeDecider:
    tax: TaxonomyIndex
    top: TfidfClassifier
    sub: TfidfClassifier
    keywords: KeywordClassifier  # per type (sub-types separate): the matched-keyword reasons
    rollup: KeywordClassifier  # per level-1 type: the catch-all rule
    threshold_override: float | None = None
    legacy: bool = False  # the pre-issue-13 behaviour (no guard, no catch-all rule): a baseline for eval

    @classmethod
    def load(
        cls, model_dir: Path, tax: TaxonomyIndex, threshold: float | None = None, *, legacy: bool = False
    ) -> TypeDecider:
        keywords = KeywordClassifier(tax.types)
        rollup = KeywordClassifier(tax.types, roll_up=True)
        top = TfidfClassifier.load(model_dir / "level1", rollup)
        sub = TfidfClassifier.load(model_dir / "level2", keywords)
        return cls(tax, top, sub, keywords, rollup, threshold, legacy)

    @property
    def threshold(self) -> float:
        given = self.threshold_override
        return (
            given if given is not None else float(self.top.meta.get("abstain_threshold", DEFAULT_THRESHOLD))
        )

    def classify(self, text: str) -> Classification:
        cleaned, removed = strip_instructions(text) if not self.legacy else (text, [])
        warnings = [warning_for(removed)] if removed else []
        scores = self.top.scores(cleaned) if cleaned else None
        ranked = scores.top(SITUATION_RANK) if scores else []
        label, p = ranked[0] if ranked else (ABSTAIN_LABEL, 0.0)
        threshold = self.threshold
        matched = self.keywords.matches(cleaned)
        reasons = []
        if removed:
            reasons.append("已忽略投诉中对系统下达的指令，只依据纠纷事实分类")
        if scores and not self.legacy and len(ranked) > 1:
            label, p = self._specific(cleaned, ranked, scores.probabilities, reasons)
        kw_terms = [k for name, ks in matched.items() if self.tax.top(name) == label for k in ks][:8]
        own = scores.probabilities.get(label, p) if scores else p  # the model's own, before step 3 merged any
        reasons.insert(0, f"字符/词 n-gram 分类器（温度校准）：{label} 概率 {own:.2f}")
        if kw_terms:
            reasons.append(f"命中分类体系关键词：{'、'.join(kw_terms)}")
        shown = list(ranked)
        if scores and shown and label not in dict(shown):  # step 3 chose a type from beyond the first three
            shown[-1] = (label, own)
        candidates = [Candidate(dispute_type=c, probability=round(q, 4)) for c, q in shown]
        abstain, doubt = (
            None,
            True,
        )  # doubt: the probability itself is not trusted (no content, unlike training)
        floor = self.top.meta.get("ood_strength_floor")
        if scores is None:
            abstain = "除对系统的指令外没有纠纷描述，不作猜测"
        elif scores.evidence < MIN_EVIDENCE and not matched:
            abstain = "文本中几乎没有可识别的纠纷描述（已知词片段不足），不作猜测"
        elif floor is not None and not self.legacy and scores.strength < float(floor):
            abstain = (
                f"文本与训练数据差异过大（类别证据 {scores.strength:.2f} < {float(floor):.2f}），不作猜测"
            )
        elif p < threshold:
            abstain, doubt = f"最高概率 {p:.2f} 低于阈值 {threshold:.2f}，不作猜测", False
        if abstain:
            reasons.append(abstain)
            return Classification(
                label=ABSTAIN_LABEL,
                dispute_type=None,
                confidence=round(min(p, threshold / 2) if doubt else p, 4),
                abstained=True,
                candidates=candidates,
                matched_keywords=kw_terms,
                reasons=reasons,
                warnings=warnings,
            )
        sub = self.sub_type(cleaned, label)
        if sub:
            reasons.append(f"子类型：{sub}")
        return Classification(
            label=label,
            dispute_type=label,
            sub_type=sub,
            confidence=round(p, 4),
            abstained=False,
            candidates=candidates,
            matched_keywords=kw_terms,
            reasons=reasons,
            warnings=warnings,
        )

    def _specific(
        self, text: str, ranked: list[tuple[str, float]], probs: dict[str, float], reasons: list[str]
    ) -> tuple[str, float]:
        """Step 3: the catch-all / relationship type yields to the runner-up the text names by its terms."""
        (label, p), (alt, q) = ranked[0], ranked[1]
        order = [label, *sorted((t for t in probs if t != label), key=lambda t: -probs[t])]
        hit = stated_override(text, order, SITUATION_RANK)  # None unless label may yield (OVERRIDES, ANY_TOP)
        if hit:
            spec, words, _rank = hit
            r = probs.get(spec, 0.0)
            kind = "兜底类型" if label in CATCH_ALL else "类型"
            reasons.append(
                f"{kind} {label}（{p:.2f}）让位于文本所述情形对应的具体类型 {spec}（“{words}”），"
                f"两者概率合计 {min(p + r, 1.0):.2f}"
            )
            return spec, min(p + r, 1.0)
        if q < YIELD_RATIO * p:
            return label, p
        named = self.rollup.scores(text)
        if label in CATCH_ALL and alt not in CATCH_ALL and named.get(alt, 0) >= 2 > named.get(label, 0):
            reasons.append(f"兜底类型 {label}（{p:.2f}）让位于文本点名的具体类型 {alt}（{q:.2f}）")
            return alt, q
        if alt in RELATION_YIELDS.get(label, ()) and named.get(alt, 0) >= 3:
            reasons.append(f"{label}（{p:.2f}）让位于文本点名的争议标的 {alt}（{q:.2f}）")
            return alt, q
        return label, p

    def sub_type(self, text: str, parent: str) -> str | None:
        children = set(self.tax.children(parent))
        if not children:
            return None
        probs = {c: q for c, q in self.sub.scores(text).probabilities.items() if c in children}
        total = sum(probs.values())
        if not total:
            return None
        best, q = max(probs.items(), key=lambda kv: kv[1])
        if len(children) == 1:
            # an only child (消费纠纷 → 教育培训消费纠纷) always holds the whole share: name it only when the
            # text says so in its own terms (spoiled milk from a 超市 is no 培训班 dispute)
            return best if self.keywords.matches(text).get(best) else None
        return best if q / total >= SUBTYPE_MIN else None
