"""Agreement numbers: （2026）枫桥镇人调字第N号, N counted per committee and year.

The 回访记录 and the court's 司法确认 cite the number, so two agreements must never share one, even when two
API workers draft at the same moment. The counters live in one JSON file under ``settings.state_dir``; each
increment holds an exclusive ``flock`` on a lock file and replaces the counter file atomically (write to a
temporary file, fsync, ``os.replace``), so a crash leaves either the old or the new counters, never half.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

from brain.errors import BrainError
from ingest.store import atomic_write

COMMITTEE_SUFFIX = "人民调解委员会"


def abbreviation(committee_name: str | None, region: str | None) -> str | None:
    """The 调字 prefix: ``region`` as given (“枫桥”), else the committee name's place + 人 (“枫桥镇人”)."""
    if region and region.strip():
        return region.strip()
    if (
        committee_name
        and committee_name.endswith(COMMITTEE_SUFFIX)
        and len(committee_name) > len(COMMITTEE_SUFFIX)
    ):
        return committee_name[: -len(COMMITTEE_SUFFIX)] + "人"
    return None


def format_number(year: int, abbr: str, n: int) -> str:
    return f"（{year}）{abbr}调字第{n}号"


class AgreementCounter:
    """Persistent, process-safe counters keyed by ``<year>/<committee>``."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = Path(state_dir) / "agreements"
        self.path = self.dir / "counters.json"

    def next(self, year: int, committee: str) -> int:
        key = f"{year}/{committee}"
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(self.dir / "counters.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                counters = self._read()
                counters[key] = counters.get(key, 0) + 1
                self._write(counters)
                return counters[key]
        except OSError as e:
            raise BrainError(
                "无法分配协议书编号：计数文件不可写",
                where=str(self.path),
                hint="检查 state_dir 的权限与磁盘空间",
            ) from e

    def peek(self, year: int, committee: str) -> int:
        return self._read().get(f"{year}/{committee}", 0)

    def _read(self) -> dict[str, int]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise BrainError(
                "协议书编号计数文件已损坏",
                where=str(self.path),
                hint="按已出具的最大编号手工修复该 JSON 文件后重试",
            ) from e
        return {str(k): int(v) for k, v in data.items()}

    def _write(self, counters: dict[str, int]) -> None:
        text = json.dumps(counters, ensure_ascii=False, indent=1, sort_keys=True)
        atomic_write(self.path, text.encode("utf-8"))
