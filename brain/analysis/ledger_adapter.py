"""The analysis pointed at the case ledger (``analysis.follow_ledger``, the default once both are merged).

The ledger's ``cases`` table carries exactly the columns the detectors read (brain/ledger/models.py), so the
analysis tables are created in the ledger's database and the SQL runs there unchanged; ``case_persons`` is a
view over the ledger's ``parties`` (its keyed ID-number and phone hashes). The ledger writes the case (with
its own intake, deadlines and encryption); :func:`detect_ledger_case` then reads the stored row and runs the
detectors on it (a sink that writes nothing). On SQLite the ledger's integer ids meet the analysis' text ids
by SQLite's type affinity. PostgreSQL has no implicit integer = text comparison, so there the analysis gets
its own schema ``brain_analysis``: its tables, plus views ``cases`` (``CAST(id AS text)``) and
``case_persons`` over the ledger's tables, reached through a second engine whose ``search_path`` is
``brain_analysis, <ledger schema>``, so the detectors' SQL runs unchanged; an expression index on
``CAST(id AS text)`` keeps the id joins indexed (docs/analysis.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from brain.analysis.models import CaseRecord, RegisterResult
from brain.analysis.registration import CaseIn
from brain.analysis.service import AnalysisService
from brain.analysis.store import AnalysisStore, cases

CASE_PERSONS_VIEW = """
CREATE VIEW IF NOT EXISTS case_persons AS
  SELECT case_id, id_hash AS person_hash FROM parties WHERE id_hash IS NOT NULL
  UNION
  SELECT case_id, phone_hash AS person_hash FROM parties WHERE phone_hash IS NOT NULL
"""


class LedgerSink:
    """The ledger has written the row already."""

    def write(self, conn: sa.Connection, case: CaseRecord) -> None:
        return None


PG_SCHEMA = "brain_analysis"
# the columns the detectors read (brain/analysis/store.py ``cases``), ids as text like the analysis tables'
PG_VIEWS = """
CREATE OR REPLACE VIEW {a}.cases AS
  SELECT CAST(id AS text) AS id, external_id, source, received_at, county, town, village, type, subtype,
         risk, status, due_at, resolved_at, CAST(reopened_from AS text) AS reopened_from, text_redacted
  FROM {l}.cases;
CREATE OR REPLACE VIEW {a}.case_persons AS
  SELECT CAST(case_id AS text) AS case_id, id_hash AS person_hash FROM {l}.parties WHERE id_hash IS NOT NULL
  UNION
  SELECT CAST(case_id AS text), phone_hash FROM {l}.parties WHERE phone_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_cases_id_text ON {l}.cases ((CAST(id AS text)));
CREATE INDEX IF NOT EXISTS ix_parties_case_text ON {l}.parties ((CAST(case_id AS text)));
CREATE INDEX IF NOT EXISTS ix_cases_village_type_recv ON {l}.cases (village, type, received_at);
"""


def ledger_store(engine: sa.Engine) -> AnalysisStore:
    if engine.dialect.name == "postgresql":
        return AnalysisStore(_pg_engine(engine), own_cases=False)
    if engine.dialect.name != "sqlite":
        from brain.errors import ConfigError

        raise ConfigError(
            f"研判库跟随台账不支持 {engine.dialect.name} 台账",
            where="analysis.follow_ledger",
            hint="请使用 SQLite 或 PostgreSQL 台账，或设置 analysis.follow_ledger=false 并配置 analysis.url",
        )
    with engine.begin() as conn:
        conn.exec_driver_sql(CASE_PERSONS_VIEW)
    return AnalysisStore(engine, own_cases=False)


def _pg_engine(engine: sa.Engine) -> sa.Engine:
    """The analysis' engine on a PostgreSQL ledger: schema ``brain_analysis`` first on the search path."""
    with engine.begin() as conn:
        ledger_schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
        for stmt in PG_VIEWS.format(a=PG_SCHEMA, l=ledger_schema).split(";"):
            if stmt.strip():
                conn.exec_driver_sql(stmt)
    return sa.create_engine(
        engine.url,
        future=True,
        pool_pre_ping=True,
        connect_args={"options": f"-csearch_path={PG_SCHEMA},{ledger_schema}"},
    )


def _party_groups(conn: sa.Connection, case_id: int) -> list[list[str]]:
    rows = conn.execute(
        sa.text("SELECT id_hash, phone_hash FROM parties WHERE case_id = :c ORDER BY id"), {"c": case_id}
    ).all()
    return [[h for h in (r[0], r[1]) if h] for r in rows if r[0] or r[1]]


def detect_ledger_case(service: AnalysisService, case_id: int) -> RegisterResult:
    """Run the detectors on one case the ledger has just registered."""
    with service.store.engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.id == str(case_id))).mappings().first()
        groups = _party_groups(conn, case_id)
    if row is None:
        from brain.errors import NotFoundError

        raise NotFoundError(f"台账中没有案件 {case_id}", where="case_id")
    # CaseRecord reads the ledger's NULL place columns as ""
    rec = CaseRecord.model_validate({**row, "person_hashes": [h for g in groups for h in g]})
    return service.register(rec, parties=groups)


def case_create(case: CaseIn) -> Any:
    """The ledger's registration request for one stream case (the complainant first, as 反映人)."""
    from pydantic import ValidationError

    from brain.errors import InputError
    from brain.ledger.models import resolve_source
    from brain.ledger.schema import CaseCreate

    parties = [
        {"role": "反映人" if i == 0 else "当事人", "name": p.name, "id_number": p.id_number, "phone": p.phone}
        for i, p in enumerate(case.parties)
    ]
    try:
        return CaseCreate.model_validate(
            {
                "text": case.text,
                "source": resolve_source(case.source) or case.source,  # 12345热线 → 12345; unknown: the 422
                "received_at": case.received_at,
                "place": {"town": case.place.town or None, "village": case.place.village or None},
                "parties": parties,
                "external_id": case.external_id or case.id,
            }
        )
    except ValidationError as e:  # e.g. an id_number the ledger refuses: the caller's input, a 422
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise InputError(
            f"{f'案件 {case.id} ' if case.id else '案件'}的字段 {where} 无效：{err['msg']}",
            where=where,
            hint="按接口文档修正该字段后重试",
        ) from e


def places_yaml(stream: list[CaseIn]) -> str:
    """A places.yaml naming the stream's own places (a stream may name any county, not only the configured
    one): the suite gives the fresh ledger this hierarchy."""
    import yaml

    county = next((c.place.county for c in stream if c.place.county), "评测县")
    towns: dict[str, list[str]] = {}
    for c in stream:
        if c.place.town:
            vs = towns.setdefault(c.place.town, [])
            if c.place.village and c.place.village not in vs:
                vs.append(c.place.village)
    doc = {"county": county, "towns": [{"name": t, "villages": vs} for t, vs in towns.items()]}
    return str(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def register_and_detect(
    ledger: Any, analysis: Callable[[], AnalysisService], follow: bool, request: Any
) -> tuple[Any, RegisterResult | None]:
    """The ledger registers; with ``analysis.follow_ledger`` the detectors then run on the new case."""
    view = ledger.register(request, ledger.actor())
    if not (follow and view.created):
        return view, None
    return view, detect_ledger_case(analysis(), view.id)


def own_register(
    case: CaseIn,
    through_ledger: tuple[Any, RegisterResult | None] | None,
    service: AnalysisService | None = None,
    intake: Callable[[Any], Any] | None = None,
    settings: Any = None,
) -> RegisterResult:
    """``Brain.analysis_register``: the ledger's result when it registered the case (an external id seen
    before gives an empty result), else intake + the analysis' own store."""
    if through_ledger is not None:
        view, result = through_ledger
        return result if result is not None else RegisterResult(case_id=str(view.id))
    from brain.agents.intake.schema import IntakeRequest
    from brain.analysis.registration import OwnRegistrar

    assert service is not None and intake is not None and settings is not None
    run = intake

    def run_intake(text: str, source: str | None) -> Any:
        return run(IntakeRequest.model_construct(text=text, source=source, precedents=False))

    return OwnRegistrar(service, run_intake, settings.secret_key.get_secret_value()).register(case)
