"""Drafts of 风险提示函 and 问题督办函 from one alert, grounded in its cases only.

Like the agreements, nothing is invented: every fact in the draft (places, dates, counts, types, channels,
case numbers, the rule that fired) is read from the alert and its cases; what only a person can know (the
receiving body, the deadline for a reply, the signature) is left as 【待补充：…】."""

from __future__ import annotations

from collections import Counter

from brain.analysis.models import KIND_LABELS, LetterRequest, LetterResult
from brain.analysis.service import AnalysisService


def draft_letter(service: AnalysisService, req: LetterRequest) -> LetterResult:
    alert = service.alert(req.alert_id)
    with service.store.engine.connect() as conn:
        rows = service.store.cases_by_ids(conn, alert.case_ids)
    types = Counter(r.type or "未分类" for r in rows)
    sources = Counter(r.source for r in rows if r.source)
    places = Counter(f"{r.town}{r.village}" for r in rows)
    first = min((r.received_at for r in rows), default=alert.created_at)
    last = max((r.received_at for r in rows), default=alert.created_at)
    where = alert.place.town + alert.place.village or alert.place.county
    lines = [
        f"{req.kind}",
        "",
        "【待补充：受文单位】：",
        "",
        f"    {first:%Y年%m月%d日}至{last:%Y年%m月%d日}，{where}共登记与本事项相关的矛盾纠纷 {len(rows)} 件"
        f"（{'、'.join(f'{t} {n} 件' for t, n in types.most_common())}），"
        f"来源渠道：{'、'.join(f'{s} {n} 件' for s, n in sources.most_common()) or '未记录'}；"
        f"涉及地点：{'、'.join(f'{p} {n} 件' for p, n in places.most_common())}。",
        f"    系统研判为{alert.level}色{KIND_LABELS[alert.kind]}预警（编号 {alert.id}）。研判依据：{alert.rule}。",
    ]
    excerpt = next((r.text_redacted for r in rows if r.text_redacted), "")
    if excerpt:
        lines.append(f"    典型反映（已脱敏）：“{excerpt[:120]}{'…' if len(excerpt) > 120 else ''}”")
    if req.kind == "风险提示函":
        lines += [
            "    请你单位高度重视，对上述情况开展排查，落实稳控与化解措施，防止矛盾激化升级。",
            "    请于【待补充：反馈期限】前将排查化解情况反馈综治中心。",
        ]
    else:
        lines += [
            f"    上述案件编号：{'、'.join(alert.case_ids)}。请你单位按照首问负责、限期办结的要求，逐件明确责任人和办结时限，",
            "    于【待补充：办结期限】前办结并书面报告办理结果；逾期未办结的，将按规定提级督办。",
        ]
    lines += ["", "【待补充：发文单位（盖章）】", "【待补充：发文日期】"]
    return LetterResult(alert_id=alert.id, kind=req.kind, text="\n".join(lines), case_ids=alert.case_ids)
