"""Engines and sessions.

One engine per URL per process. SQLite gets WAL, foreign keys and
``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy timeout
instead of failing when a read transaction tries to upgrade to a write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from openbwc.settings import Settings, get_settings


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    return engine_for(settings.resolved_database_url)


def session_factory(engine: Engine, *, settings: Settings | None = None, registry: Any = None) -> sessionmaker[Session]:
    """Sessions of one application: each carries the app's settings and registry in ``info``.

    Services deep in a unit of work read them with :func:`settings_of` and
    :func:`registry_of`, so an app built with other settings signs with its own
    key, and an event published anywhere reaches the subscribers of the app
    that published it, without a process-wide global.
    """
    info = {"settings": settings, "registry": registry}
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info)


def settings_of(session: Session) -> Settings:
    """The settings of the application this session belongs to."""
    settings = session.info.get("settings")
    if settings is None:
        raise RuntimeError("this session carries no settings: make it with session_factory(engine, settings=...)")
    return settings


def registry_of(session: Session) -> Any:
    """The registry (openbwc.kit.registry.Registry) of the application this session belongs to."""
    registry = session.info.get("registry")
    if registry is None:
        raise RuntimeError("this session carries no registry: make it with session_factory(engine, registry=...)")
    return registry


@contextmanager
def unit_of_work(sessions: Callable[[], Session]) -> Iterator[Session]:
    """One session committed once at the end, rolled back on any error: the only unit of work.

    HTTP requests, CLI commands and jobs all use it. Except what an error says
    must be kept (``keep_changes``, kit.errors): a refused read of sealed footage,
    say, whose ledger entry must survive the refusal.
    """
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        if getattr(exc, "keep_changes", False):
            session.commit()
        else:
            session.rollback()
        raise
    finally:
        session.close()
