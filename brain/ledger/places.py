"""The place hierarchy (县 → 乡镇/街道 → 村/社区) of configs/places.yaml, and resolving a place given by a
caller ("青石镇龙潭村", "龙潭村", {"town": "青石", "village": "龙潭村"}) to canonical names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from brain.errors import ConfigError, InputError

# How forms and exports write a place by its office rather than its name: 青石镇人民政府, 安平街道办事处,
# 东门社区居委会, 北关村村民委员会. Each pattern maps the office back to the place it serves.
_TOWN_OFFICE = re.compile(r"(人民政府|政府|办事处|党委|综治中心|综治办|司法所|派出所|(?<=街道)办)$")
_VILLAGE_OFFICE = [
    (re.compile(r"(社区)?(居民委员会|居委会)$"), "社区"),
    (re.compile(r"村?(村民委员会|村委会)$"), "村"),
    (re.compile(r"(村|社区)(党支部|党总支|调委会|人民调解委员会|网格)$"), r"\1"),
]


def canonical_town(name: str) -> str:
    """安平街道办事处 → 安平街道, 青石镇人民政府 → 青石镇 (安平街道办 → 安平街道); other names unchanged."""
    s = name.strip()
    return _TOWN_OFFICE.sub("", s) or s


def canonical_village(name: str) -> str:
    """东门社区居委会 → 东门社区, 北关村村民委员会 / 北关村委会 → 北关村, 龙潭村调委会 → 龙潭村."""
    s = name.strip()
    for rx, suffix in _VILLAGE_OFFICE:
        m = rx.search(s)
        if m and m.start() > 0:
            return s[: m.start()] + m.expand(suffix)
    return s


@dataclass(frozen=True)
class Place:
    county: str
    town: str | None = None
    village: str | None = None


@dataclass
class Places:
    county: str
    towns: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> town
    village_town: dict[str, str] = field(default_factory=dict)  # village -> town (unique names only)

    @classmethod
    def load(cls, path: Path) -> Places:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError("无法读取地点层级配置", where=str(path), hint=str(e)) from e
        if not raw.get("county") or not raw.get("towns"):
            raise ConfigError(
                "地点层级需要 county 与 towns", where=str(path), hint="参见 configs/places.yaml"
            )
        out = cls(county=str(raw["county"]))
        seen: dict[str, int] = {}
        for t in raw["towns"]:
            name = str(t["name"])
            villages = [str(v) for v in t.get("villages", [])]
            out.towns[name] = villages
            for a in t.get("aliases", []):
                out.aliases[str(a)] = name
            for v in villages:
                seen[v] = seen.get(v, 0) + 1
                out.village_town[v] = name
        for v, n in seen.items():
            if n > 1:  # a village name used in two towns needs its town named
                out.village_town.pop(v, None)
        return out

    def town_name(self, s: str) -> str | None:
        """The configured town a name, alias or office (青石镇人民政府) stands for."""
        for name in dict.fromkeys((s, canonical_town(s))):
            if name in self.towns:
                return name
            if name in self.aliases:
                return self.aliases[name]
        return None

    def village_name(self, town: str | None, s: str) -> str:
        """The configured village a name or its office (东门社区居委会) stands for; unknown names unchanged."""
        known = self.towns.get(town, []) if town else self.village_town
        c = canonical_village(s)
        return c if s not in known and c in known else s

    def resolve(self, town: str | None = None, village: str | None = None, text: str | None = None) -> Place:
        """Canonical place; unknown names are a 422 naming the known ones."""
        t = self.town_name(town.strip()) if town else None
        if town and t is None:
            raise InputError(
                f"未知乡镇“{town}”",
                where="place.town",
                hint=f"可选：{'、'.join(self.towns)}（configs/places.yaml）",
            )
        v = village.strip() if village else None
        if text and not (t or v):
            t, v = self._parse(text)
        if v:
            v = self.village_name(t, v)
            owner = t or self.village_town.get(v)
            if owner is None or v not in self.towns.get(owner, []):
                where = f"{t}下" if t else "本县"
                raise InputError(
                    f"{where}没有村（社区）“{v}”",
                    where="place.village",
                    hint=f"可选：{'、'.join(self.towns[t]) if t else '请先写明乡镇'}",
                )
            t = owner
        return Place(self.county, t, v)

    def _parse(self, text: str) -> tuple[str | None, str | None]:
        s = text.replace(self.county, "").strip()
        town = next((n for n in self.towns if s.startswith(n)), None)
        if town is None:
            town = next(
                (self.aliases[a] for a in sorted(self.aliases, key=len, reverse=True) if s.startswith(a)),
                None,
            )
            rest = (
                s[len(next(a for a in self.aliases if self.aliases[a] == town and s.startswith(a))) :]
                if town
                else s
            )
        else:
            rest = s[len(town) :]
        rest = rest.strip()
        if not rest:
            if town is None and s:
                raise InputError(
                    f"无法识别地点“{text}”", where="place", hint=f"写作 乡镇+村，如 {next(iter(self.towns))}"
                )
            return town, None
        return town, rest

    def all_villages(self) -> list[tuple[str, str]]:
        return [(t, v) for t, vs in self.towns.items() for v in vs]
