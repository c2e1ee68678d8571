"""Engine, sessions and migrations of the ledger database.

SQLite (WAL, ``synchronous=NORMAL``, foreign keys on) under ``state_dir`` by default; PostgreSQL
(``postgresql+psycopg://``) in production. The schema is created and upgraded only by the Alembic migrations
in ``brain/ledger/migrations`` (run on open, idempotent; PostgreSQL takes an advisory lock so that several
workers starting at once migrate once).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import sessionmaker

from brain.errors import ConfigError
from brain.settings import Settings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def ledger_url(settings: Settings) -> str:
    if settings.ledger.url:
        return settings.ledger.url
    return f"sqlite:///{settings.state_dir / 'ledger.sqlite3'}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            # Python's sqlite3 opens transactions lazily and not for DDL; SQLAlchemy's recipe: let us BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")

        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8, **kwargs)
    raise ConfigError(
        "不支持的台账数据库地址",
        where="ledger.url",
        hint="sqlite:///路径 或 postgresql+psycopg://用户@主机:端口/库",
    )


def migrate(engine: Engine) -> str:
    """Upgrade the schema to the newest migration; returns the revision."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return str(head)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(715517)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("ledger schema at %s", head)
    return str(head)


def session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False)
