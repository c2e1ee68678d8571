"""Measure cn2an and JioNLP against the project's own Chinese-text examples, beside ingest/zh.

    .venv/bin/python tools/measure_zh_libs.py            # cn2an + ingest.zh (what the project installs)
    PYTHONPATH=/tmp/jio .venv/bin/python tools/measure_zh_libs.py   # after
        pip install --target /tmp/jio jionlp   (not a project dependency: see ingest/zh/__init__.py)

Prints one table row per example: the expected value, what each library answers, what ingest.zh answers,
then install size and import time of each library. This is how ingest/zh chose what to take from a library
and what to keep hand-written.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import zh

NUMERALS = [
    ("拾佰仟", None),
    ("一千零十", 1010),
    ("壹仟零拾", 1010),
    ("肆仟零拾玖", 4019),
    ("一千零七十九", 1079),
    ("两万", 20000),
    ("二〇二六", 2026),
]
AMOUNTS = [
    ("3.5万元", "35000"),
    ("两千多块", "2000"),
    ("一千零十元", "1010"),
    ("壹仟零拾元", "1010"),
    ("壹万伍仟元整", "15000"),
    ("两万元整", "20000"),
    ("¥3,000元", "3000"),
    ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),
    ("壹仟玖佰壹拾叁亿零柒仟陆佰壹拾柒元壹角叁分", "191300007617.13"),
]
DATES = [
    ("二〇二六年三月五日", "2026-03-05"),
    ("2026年3月", "2026-03"),
    ("二〇二六年三月", "2026-03"),
    ("2023年5月12日", "2023-05-12"),
]


def _try(fn: Any, *args: Any) -> str:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return str(fn(*args))
    except Exception as e:
        return f"ERR {type(e).__name__}"


def _jionlp() -> Any:
    if importlib.util.find_spec("jionlp") is None:
        return None
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp
    return jionlp


def _size_mb(*packages: str) -> str:
    total = 0
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            for root in spec.submodule_search_locations:
                total += sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file())
    return f"{total / 2**20:.1f} MB"


def _import_s(name: str) -> str:
    code = f"import time,io,contextlib;t=time.perf_counter();f=io.StringIO()\nwith contextlib.redirect_stdout(f): import {name}\nprint(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return f"{float(out.stdout.strip().splitlines()[-1]):.2f} s" if out.returncode == 0 else "n/a"


def main() -> None:
    import cn2an

    jio = _jionlp()

    def jio_money(s: str) -> str:
        r = jio.parse_money(s)
        return (
            zh.format_figure(Decimal(r["num"])).removesuffix(".00")
            if isinstance(r["num"], str)
            else f"{r['num']} (range)"
        )

    def jio_time(s: str) -> str:
        return str(jio.parse_time(s)["time"][0])[:10]

    rows = [("example", "expected", "cn2an", "JioNLP", "ingest.zh")]
    for text, n in NUMERALS:
        rows.append(
            (
                text,
                str(n),
                _try(cn2an.cn2an, text, "strict") + " / " + _try(cn2an.cn2an, text, "normal"),
                "-",
                _try(functools.partial(zh.parse_int, lenient=n == 2026), text),
            )
        )
    for text, v in AMOUNTS:
        ours = _try(lambda s: zh.format_figure(zh.find_money(s)[0].value).removesuffix(".00"), text)
        rows.append((text, v, "-", _try(jio_money, text) if jio else "not installed", ours))
    for text, iso in DATES:
        rows.append(
            (
                text,
                iso,
                _try(cn2an.transform, text, "cn2an"),
                _try(jio_time, text) if jio else "not installed",
                str(zh.find_dates(text)[0].iso),
            )
        )
    rows.append(
        ("install size", "", _size_mb("cn2an", "proces"), _size_mb("jionlp", "jiojio") if jio else "-", "")
    )
    rows.append(
        ("import time", "", _import_s("cn2an"), _import_s("jionlp") if jio else "-", _import_s("ingest.zh"))
    )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    t = time.perf_counter()
    for _ in range(10_000):
        zh.parse_int("一千零七十九")
    print(f"ingest.zh.parse_int (cached): {(time.perf_counter() - t) / 10_000 * 1e6:.2f} µs/call")


if __name__ == "__main__":
    main()
