"""Plain SQL for the compliance engine's bulk paths, on the session's own connection.

The raw SQL below is assembled from column names and ``?`` placeholders only;
every value is bound (hence the ``noqa: S608`` marks).

Evaluation reads and writes millions of rows, so the bulk paths bypass ORM
objects: they select plain columns (ids as text, times as epoch milliseconds
computed by the database) into NumPy arrays (:mod:`openbwc.compliance.frames`),
and write with one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL). Nothing
issues one query per pair. :class:`Raw` holds the dialect differences; ``chunks``
keeps ``IN (...)`` lists under the drivers' parameter limits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from openbwc.kit.time import ensure_utc

CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- dialect helpers for the raw paths ------------------------------------------------------------------


class Raw:
    """Plain SQL on the session's own connection (same transaction), in the driver's dialect."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()
        self.dialect = self.conn.dialect.name
        self.pg = self.dialect == "postgresql"
        self.p = "%s" if self.pg else "?"

    def ms(self, column: str) -> str:
        """Epoch milliseconds of a timestamp column, computed by the database (exact to the ms)."""
        if self.pg:
            return f"CAST(ROUND(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT)"
        return f"CAST(ROUND((julianday({column}) - 2440587.5) * 86400000.0) AS INTEGER)"

    def row_key(self, alias: str) -> str:
        """What identifies a row for a fast update: SQLite's rowid (no index lookup), else the id."""
        return f"CAST({alias}.id AS TEXT)" if self.pg else f"{alias}.rowid"

    def update_categories(self, changes: Sequence[tuple[str, Any]]) -> None:
        """Set ``category_code`` of recordings, given (code, row key) pairs."""
        cur = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if not self.pg:
                cur.executemany("UPDATE recordings SET category_code = ? WHERE rowid = ?", changes)
            elif len(changes) < 1000:
                cur.executemany("UPDATE recordings SET category_code = %s WHERE id = %s", changes)
            else:
                # Many rows: COPY them into a scratch table and update with one join.
                cur.execute("CREATE TEMP TABLE bwc_categories (code text, id uuid) ON COMMIT DROP")
                with cur.copy("COPY bwc_categories (code, id) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    copy.write("".join(f"{c}\t{k}\n" for c, k in changes))
                cur.execute("UPDATE recordings r SET category_code = t.code FROM bwc_categories t WHERE r.id = t.id")
                cur.execute("DROP TABLE bwc_categories")
        finally:
            cur.close()

    def text_id(self, column: str) -> str:
        return f"CAST({column} AS TEXT)" if self.pg else column

    def uid(self, value: uuid.UUID | str) -> str:
        """An id as this database stores it in text (SQLite: 32 hex digits; PostgreSQL: canonical)."""
        u = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return str(u) if self.pg else u.hex

    def time(self, value: datetime) -> Any:
        """A timestamp parameter as the stored values compare (SQLite stores UTC text)."""
        utc = ensure_utc(value)
        return utc if self.pg else utc.strftime("%Y-%m-%d %H:%M:%S.%f")

    def true(self) -> str:
        return "true" if self.pg else "1"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql.replace("?", self.p), tuple(params))
            return cur.fetchall()
        finally:
            cur.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql.replace("?", self.p), tuple(params))
            return cur.rowcount
        finally:
            cur.close()

    BULK_CACHE_KIB = 262_144

    def bulk_cache(self) -> Any:
        """SQLite: a 256 MiB page cache for this connection; returns the old setting."""
        if self.pg:
            return None
        old = self.rows("PRAGMA cache_size")[0][0]
        self.execute(f"PRAGMA cache_size = -{self.BULK_CACHE_KIB}")
        return old

    def restore_cache(self, old: Any) -> None:
        if old is not None:
            self.execute(f"PRAGMA cache_size = {int(old)}")

    def clear(self, table: str) -> None:
        """Empty a derived table that a full run rebuilds. PostgreSQL truncates (no dead rows
        to slow the rebuild; readers wait for the run to commit); SQLite deletes."""
        self.execute(f"TRUNCATE {table}" if self.pg else f"DELETE FROM {table}")  # noqa: S608 - placeholders and column names only; values are bound

    def insert_many(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Bulk insert: COPY on PostgreSQL, executemany on SQLite. Values are plain text/numbers."""
        if self.pg:
            rows = list(rows)
            if len(rows) < 1000:
                # A few rows (an incremental run): COPY's set-up costs more than it saves.
                marks = ", ".join("%s" for _ in columns)
                if rows:
                    cur = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                    try:
                        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608
                    finally:
                        cur.close()
                return
        cur = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if self.pg:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    batch: list[str] = []
                    for row in rows:
                        batch.append("\t".join("\\N" if v is None else str(v) for v in row))
                        if len(batch) >= 100_000:
                            copy.write("\n".join(batch) + "\n")
                            batch = []
                    if batch:
                        copy.write("\n".join(batch) + "\n")
            else:
                marks = ", ".join("?" for _ in columns)
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608 - placeholders and column names only; values are bound
        finally:
            cur.close()

    def stamp(self, value: datetime) -> str:
        """A timestamp value for insert_many."""
        utc = ensure_utc(value)
        return utc.isoformat() if self.pg else utc.strftime("%Y-%m-%d %H:%M:%S.%f")

    def flag(self, value: bool) -> Any:
        return ("t" if value else "f") if self.pg else int(value)
