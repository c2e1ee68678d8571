"""回访 rules (configs/followup_rules.yaml): which follow-ups a resolved case gets, by risk, type and the
duties of its agreements, each with its source. Pure data and date arithmetic; see followups.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from brain.errors import ConfigError

MERGE_DAYS = 3


@dataclass
class Rule:
    name: str
    source: str
    risks: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    days: list[int] = field(default_factory=list)
    agreement: bool = False
    after_obligation_days: int = 1

    def matches(self, risk: str, type_: str) -> bool:
        if self.agreement:
            return False
        return (not self.risks or risk in self.risks) and (not self.types or type_ in self.types)


@dataclass
class FollowUpRules:
    rules: list[Rule]

    @classmethod
    def load(cls, path: Path) -> FollowUpRules:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError("无法读取回访规则", where=str(path), hint=str(e)) from e
        out = []
        for i, r in enumerate(raw.get("rules", [])):
            when = r.get("when") or {}
            if not r.get("name") or not r.get("source"):
                raise ConfigError(
                    "回访规则需要 name 与 source", where=f"{path} rules[{i}]", hint="写明规则依据"
                )
            out.append(
                Rule(
                    name=r["name"],
                    source=r["source"],
                    risks=set(when.get("risk", [])),
                    types=set(when.get("type", [])),
                    days=[int(d) for d in r.get("days", [])],
                    agreement=bool(when.get("agreement")),
                    after_obligation_days=int(r.get("after_obligation_days", 1)),
                )
            )
        return cls(out)

    def plan(
        self,
        risk: str,
        type_: str,
        resolved: date,
        obligations: list[dict[str, Any]],
        *,
        only_agreement: bool = False,
    ) -> list[dict[str, Any]]:
        """(due date, rule, source, obligations) of each follow-up; two closer than MERGE_DAYS become one, on
        the later of their dates."""
        items: list[dict[str, Any]] = []
        for r in self.rules:
            if r.matches(risk, type_) and not only_agreement:
                items += [
                    {
                        "due": resolved + timedelta(days=d),
                        "rule": r.name,
                        "source": r.source,
                        "obligations": [],
                    }
                    for d in r.days
                ]
            elif r.agreement:
                for ob in obligations:
                    if ob.get("deadline"):
                        due = date.fromisoformat(str(ob["deadline"])) + timedelta(
                            days=r.after_obligation_days
                        )
                        items.append({"due": due, "rule": r.name, "source": r.source, "obligations": [ob]})
        items.sort(key=lambda x: x["due"])
        merged: list[dict[str, Any]] = []
        for it in items:
            if merged and (it["due"] - merged[-1]["due"]).days < MERGE_DAYS:
                last = merged[-1]
                last["due"] = it["due"]  # the later date: a duty cannot be checked before it falls due
                if it["rule"] not in last["rule"].split("、"):
                    last["rule"] += "、" + it["rule"]
                    last["source"] += "；" + it["source"]
                last["obligations"] += it["obligations"]
            else:
                merged.append(dict(it))
        return merged
