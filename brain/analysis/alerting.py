"""Detector parameters and the one place alerts are created or grown.

An alert is about one *thing* (a place cell, a text cluster, a person, a counterparty) for one episode: while
it is active (``active_until``), new evidence joins it rather than raising a second alert; a higher colour is
an escalation (pushed to webhooks like a new alert)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from brain.analysis.models import KIND_LABELS, LEVEL_RANK, Alert, AlertChange, AlertLevel, Place
from brain.analysis.store import AnalysisStore

# Types intake most often confuses with each other (the largest out-of-fold confusions on the tune halves,
# tools/intake_cv.py, docs/intake.md) that also share a kind of work: a burst of one matter that intake
# splits between them is still one count in the group's cell (docs/analysis.md, sixth pass).
HOTSPOT_GROUPS: dict[str, tuple[str, ...]] = {
    "经济往来类": ("合同纠纷", "债务纠纷", "生产经营纠纷"),
    "人身伤害类": ("损害赔偿纠纷", "治安纠纷", "交通事故纠纷", "医疗纠纷"),
    "消费物业类": ("消费纠纷", "物业纠纷"),
    "土地房屋类": ("房屋宅基地纠纷", "山林土地纠纷", "征地拆迁纠纷"),
    "婚姻家庭类": ("婚姻家庭纠纷", "继承纠纷"),
}


class AnalysisParams(BaseModel):
    """Every threshold the detectors use. Defaults were tuned on the seed-A streams only
    (``eval/datasets/analysis_tune_a*.jsonl``); the seed-B dev streams report with them (docs/analysis.md)."""

    hotspot_window_days: float = 7
    hotspot_short_window_days: float = Field(default=3, description="a second, shorter scan window; 0 = off")
    hotspot_history_days: float = 84
    hotspot_prior_windows: float = Field(
        default=1.0,
        description="how many windows of history the county prior is worth (villages differ widely: a weak "
        "prior lets a village's own history decide)",
    )
    hotspot_alpha: float = Field(default=1e-3, description="NB tail probability that fires (蓝)")
    hotspot_min_count: int = 5
    hotspot_small_count: int = Field(
        default=4, description="counts from here up to min_count fire only at small_alpha (= min_count: off)"
    )
    hotspot_small_alpha: float = Field(default=1e-5, description="alpha of the small-count tier (by type)")
    hotspot_min_history_days: float = 21
    hotspot_groups: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in HOTSPOT_GROUPS.items()},
        description="related types also counted together (a burst intake splits between 合同 and 债务)",
    )
    hotspot_group_alpha: float = Field(
        default=0.0,
        description="alpha of a group cell; 0 = no group cells (off: 3e-5 found one more planted hot spot on the "
        "tuning streams, none on the held-out ones, and raised two false alarms there — docs/analysis.md)",
    )
    hotspot_all_types: bool = Field(default=True, description="also test the village's total over all types")
    hotspot_all_alpha: float = Field(default=5e-5, description="alpha of the all-types test (more cells mix)")
    hotspot_scan: bool = Field(
        default=True,
        description="also scan every window that starts at one of the cell's cases of the last window_days "
        "(a burst over 4 days is sharper in a 4-day window than in a 7- or 3-day one)",
    )
    hotspot_scan_penalty: float = Field(
        default=0.0,
        description="the scan's smallest tail is multiplied by this (0: by the number of windows scanned, "
        "Bonferroni), so scanning many windows does not raise more false alarms",
    )
    hotspot_scan_min_days: float = Field(default=1.0, description="a scanned window is at least this long")
    hotspot_scan_max_count: int = Field(
        default=100,
        description="no scan in a cell with more matters than this in its window (a busy district: a burst "
        "large enough to matter there shows in the fixed 3- and 7-day windows, and the scan's query grows "
        "with the cell)",
    )
    text_window_days: float = 30
    emerging_window_days: float = 14
    emerging_min_people: int = 4
    lsh_threshold: float = 0.3
    jaccard_min: float = 0.3
    cosine_min: float = 0.92
    cosine_jaccard_floor: float = 0.12
    word_jaccard_min: float = Field(
        default=0.15,
        description="IDF-weighted Jaccard of the jieba words (IDF over the text window) at which two texts are "
        "similar: a paraphrase that keeps the names and nouns but shares few character 3-grams (0: off)",
    )
    word_cosine_floor: float = Field(
        default=0.55, description="the embedder's cosine a word-overlap pair (of one town) must also reach"
    )
    word_rare_share: float = Field(
        default=0.02, description="a word finds candidates only when at most this share of the window has it"
    )
    duplicate_jaccard: float = 0.45
    duplicate_anon_jaccard: float = 0.6
    duplicate_window_days: float = 30
    collective_window_days: float = 30
    collective_min_people: int = 3
    repeat_window_days: float = 90
    repeat_min_cases: int = 3
    escalation_window_days: float = 365
    rebound_window_days: float = 180


def alert_id(kind: str, key: str, at: datetime) -> str:
    digest = hashlib.sha1(f"{kind}|{key}|{at.isoformat()}".encode()).hexdigest()[:12]
    return f"AL-{at:%Y%m%d}-{digest}"


def upsert_alert(
    store: AnalysisStore,
    conn: sa.Connection,
    *,
    kind: str,
    key: str,
    at: datetime,
    level: AlertLevel,
    place: Place,
    title: str,
    rule: str,
    evidence: dict[str, Any],
    case_ids: list[str],
    active_days: float,
    first_case_at: datetime | None = None,
    existing: Alert | None = None,
) -> AlertChange:
    """Create the alert for (kind, key) or grow the active one; the colour never goes down in an episode."""
    current = existing or store.active_alert(conn, kind, key, at)
    until = at + timedelta(days=active_days)
    if current is None:
        alert = Alert(
            id=alert_id(kind, key, at),
            kind=kind,  # type: ignore[arg-type]
            level=level,
            title=title,
            place=place,
            key=key,
            rule=rule,
            evidence=evidence,
            case_ids=list(dict.fromkeys(str(c) for c in case_ids)),
            created_at=at,
            updated_at=at,
            first_case_at=first_case_at,
        )
        store.save_alert(conn, alert, until, new=True)
        return AlertChange(alert=alert, change="new")
    escalated = LEVEL_RANK[level] > LEVEL_RANK[current.level]
    alert = current.model_copy(
        update={
            "level": level if escalated else current.level,
            "title": title if escalated else current.title,
            "rule": rule,
            "evidence": {**current.evidence, **evidence},
            "case_ids": list(dict.fromkeys([*current.case_ids, *(str(c) for c in case_ids)])),
            "updated_at": at,
        }
    )
    store.save_alert(conn, alert, until, new=False)
    return AlertChange(alert=alert, change="escalated" if escalated else "updated")


def title_for(kind: str, level: str, what: str) -> str:
    return f"【{level}色预警·{KIND_LABELS[kind]}】{what}"
