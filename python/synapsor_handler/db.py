"""The handler's own connection to the app database: psycopg 3 (Postgres) or PyMySQL (MariaDB,
MySQL), imported on first use. One connection per request inside one transaction, UTC sessions
with a statement timeout, values normalised the way the runner's readers print them
(timestamps as ISO UTC text, decimals as text) so a version read here compares with the one the
proposal saw. Both drivers take `%s` placeholders."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

from .version import iso_utc

Row = Dict[str, Any]

# String types, whose `=` may fold case, accents or trailing spaces under the column's collation,
# get a byte-exact comparison too (as handler/scoped-tx.ts does); other types keep their own `=`.
STRING_TYPES = frozenset(
    ["text", "character varying", "character", "citext", "char", "varchar", "tinytext", "mediumtext", "longtext", "enum", "set"]
)


class ConfigurationError(ValueError):
    """The database settings are unusable; raised at start-up, never per request."""


@dataclass(frozen=True)
class Dialect:
    engine: str
    quote_char: str
    current_schema: str

    def quote(self, identifier: str) -> str:
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q

    def qualified(self, schema: Optional[str], name: str) -> str:
        return f"{self.quote(schema)}.{self.quote(name)}" if schema else self.quote(name)

    def exact_match(self, column: str, string_typed: bool) -> Tuple[str, int]:
        """`column = value`, byte-exact for string columns; returns the SQL and how many times the value binds."""
        plain = f"{column} = %s"
        if not string_typed:
            return plain, 1
        if self.engine == "postgres":
            return f'{plain} AND CAST({column} AS text) COLLATE "C" = %s', 2
        return f"{plain} AND CAST(CONVERT({column} USING utf8mb4) AS BINARY) = CAST(CONVERT(%s USING utf8mb4) AS BINARY)", 2


POSTGRES = Dialect("postgres", '"', "current_schema()")
MYSQL = Dialect("mysql", "`", "DATABASE()")


def dialect_for(engine: str) -> Dialect:
    if engine == "postgres":
        return POSTGRES
    if engine == "mysql":
        return MYSQL
    raise ConfigurationError(f'engine must be "postgres" or "mysql", not {engine!r}.')


def normalise(value: Any) -> Any:
    """A database value as the runner's readers hand it over: JSON-ready, exact numbers as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, dict)):
        return value  # json / jsonb / arrays, already plain Python
    return str(value)  # uuid, interval, inet and the like: their text


class Session:
    """One connection; statements run inside the transaction the helper opened."""

    def __init__(self, engine: str, conn: Any):
        self.engine = engine
        self._conn = conn

    def run(self, sql: str, params: Sequence[Any] = ()) -> Tuple[List[Row], int]:
        cur = self._conn.cursor()
        try:
            cur.execute(sql, tuple(params) if params else None)
            rows: List[Row] = []
            if cur.description is not None:
                names = [d[0] for d in cur.description]
                rows = [{n: normalise(v) for n, v in zip(names, r)} for r in cur.fetchall()]
            return rows, max(cur.rowcount, 0) if cur.description is None else len(rows)
        finally:
            cur.close()

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not mask the outcome
            pass


class Database:
    """Opens sessions for one engine and URL; classifies driver errors without reading their text."""

    def __init__(self, engine: str, url: str, statement_timeout_ms: int = 10_000, connect_timeout_s: int = 10):
        self.dialect = dialect_for(engine)
        self.engine = engine
        self._url = url
        self._timeout_ms = int(statement_timeout_ms)
        self._connect_timeout = int(connect_timeout_s)
        check_connection_url(engine, url)
        self._mysql_target = _mysql_target(url) if engine == "mysql" else None

    def connect(self) -> Session:
        if self.engine == "postgres":
            import psycopg

            # Keyword settings win over the URL's, so the session is always UTC with the timeout.
            conn = psycopg.connect(
                self._url,
                autocommit=False,
                connect_timeout=self._connect_timeout,
                application_name="synapsor-handler",
                options=f"-c TimeZone=UTC -c statement_timeout={self._timeout_ms}",
            )
            return Session("postgres", conn)
        import pymysql
        from pymysql.constants import CLIENT

        conn = pymysql.connect(
            **self._mysql_target,
            # Row counts are rows matched, not rows changed, as on Postgres and in the runner (mysql2's FOUND_ROWS).
            client_flag=CLIENT.FOUND_ROWS,
            autocommit=False,
            connect_timeout=self._connect_timeout,
            charset="utf8mb4",
            init_command="SET time_zone = '+00:00'",
        )
        session = Session("mysql", conn)
        seconds = self._timeout_ms / 1000
        try:
            session.run(f"SET SESSION max_statement_time = {seconds:.3f}")  # MariaDB
        except pymysql.err.MySQLError:
            session.run(f"SET SESSION max_execution_time = {self._timeout_ms}")  # MySQL 8 (SELECTs)
        return session

    # --- error classes (codes, never text) ---

    def is_unavailable(self, err: BaseException) -> bool:
        if self.engine == "postgres":
            import psycopg

            if isinstance(err, psycopg.errors.QueryCanceled):
                return True
            return isinstance(err, psycopg.OperationalError) and getattr(err, "sqlstate", None) in (None, "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006")
        import pymysql

        code = err.args[0] if isinstance(err, pymysql.err.MySQLError) and err.args else None
        return isinstance(err, pymysql.err.OperationalError) and code in (1205, 1927, 1969, 2003, 2006, 2013, 3024, 2055)

    def is_permission(self, err: BaseException) -> bool:
        if self.engine == "postgres":
            return getattr(err, "sqlstate", None) == "42501"
        import pymysql

        return isinstance(err, pymysql.err.MySQLError) and bool(err.args) and err.args[0] in (1044, 1142, 1143, 1227)

    def is_duplicate_key(self, err: BaseException) -> bool:
        if self.engine == "postgres":
            return getattr(err, "sqlstate", None) == "23505"
        import pymysql

        return isinstance(err, pymysql.err.IntegrityError) and bool(err.args) and err.args[0] == 1062

    def is_driver_error(self, err: BaseException) -> bool:
        if self.engine == "postgres":
            import psycopg

            return isinstance(err, psycopg.Error)
        import pymysql

        return isinstance(err, pymysql.err.MySQLError)


_ACCEPTED = {
    # The runner's list (runtime/db/connection-url.ts): connection target and TLS, nothing that changes the session.
    "postgres": ("host", "port", "user", "password", "ssl", "sslmode", "sslcert", "sslkey", "sslrootcert",
                 "sslnegotiation", "uselibpqcompat", "application_name", "fallback_application_name"),
    "mysql": ("ssl",),
}
_PRINTABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def check_connection_url(engine: str, url: str) -> None:
    """Refuses URL parameters that would override the session the helper enforces (UTC, the
    statement timeout), naming them (never their values) and saying how to fix it."""
    label = "Postgres" if engine == "postgres" else "MySQL"
    schemes = ("postgres", "postgresql") if engine == "postgres" else ("mysql", "mariadb")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ConfigurationError(f"The {label} URL is not a valid URL.") from None
    if parts.scheme not in schemes:
        raise ConfigurationError(f"The {label} URL must start with {schemes[0]}://.")
    names = []
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if name not in _ACCEPTED[engine] and name not in names:
            names.append(name)
    if names:
        shown = ", ".join(f"'{n}'" if _PRINTABLE_NAME.match(n) else "an unprintable parameter" for n in names)
        raise ConfigurationError(
            f"The {label} URL sets {shown}, which the helper does not accept: URL parameters would override the session it "
            f"enforces (UTC, the statement timeout). Remove {'it' if len(names) == 1 else 'them'} from the URL "
            f"(accepted: {', '.join(_ACCEPTED[engine])}); pass statement_timeout_ms for the timeout."
        )


def _mysql_target(url: str) -> Dict[str, Any]:
    """Only the URL's target (and an `ssl` JSON object) reaches PyMySQL."""
    check_connection_url("mysql", url)
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ConfigurationError("The MySQL URL must name a database.")
    target: Dict[str, Any] = {"host": parts.hostname or "localhost", "port": parts.port or 3306, "database": database}
    if parts.username:
        target["user"] = unquote(parts.username)
    if parts.password:
        target["password"] = unquote(parts.password)
    for name, value in parse_qsl(parts.query):
        if name == "ssl":
            try:
                ssl = json.loads(value)
            except ValueError:
                ssl = None
            if not isinstance(ssl, dict):
                raise ConfigurationError('The MySQL URL\'s ssl parameter must be a JSON object, e.g. ssl={"ca":"/path/ca.pem"}.')
            target["ssl"] = ssl
    return target


def describe_table(session: Session, dialect: Dialect, schema: Optional[str], name: str) -> Tuple[Dict[str, bool], Optional[str]]:
    """The table's columns (True for a string type, compared byte-exactly) and its single-column primary key."""
    schema_expr = f"COALESCE(%s, {dialect.current_schema})"
    udt = ", LOWER(udt_name) AS udt_name" if dialect.engine == "postgres" else ""
    columns, _ = session.run(
        f"SELECT column_name AS column_name, LOWER(data_type) AS data_type{udt} FROM information_schema.columns "
        f"WHERE table_schema = {schema_expr} AND table_name = %s",
        [schema, name],
    )
    keys, _ = session.run(
        "SELECT kcu.column_name AS column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
        "AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name "
        f"WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = {schema_expr} AND tc.table_name = %s",
        [schema, name],
    )

    def string_typed(row: Row) -> bool:
        kind = str(row["data_type"])
        return kind in STRING_TYPES or (kind == "user-defined" and row.get("udt_name") == "citext")

    pk = [str(r["column_name"]) for r in keys]
    return {str(r["column_name"]): string_typed(r) for r in columns}, (pk[0] if len(pk) == 1 else None)


