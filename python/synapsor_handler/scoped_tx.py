"""The `tx` a business function receives. It reaches only the capability's table and the fixed
extra tables the app declared, and on every table that has the tenant column it reads and writes
only the job's tenant. Misuse raises ScopeError, which rolls the transaction back
(the rules of handler/scoped-tx.ts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .db import Dialect, Row, Session, describe_table
from .request import Target

MAX_QUERY_ROWS = 1000


class ScopeError(Exception):
    """A business function used the tx outside its scope: a bug in the app's code, not in the request."""


@dataclass
class _TableInfo:
    schema: Optional[str]
    name: str
    columns: Dict[str, bool]
    primary_key: Optional[str]
    tenant_key: Optional[str]

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def _split(name: str) -> Tuple[Optional[str], str]:
    schema, dot, table = name.partition(".")
    return (schema, table) if dot else (None, name)


def _bindable(column: str, value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float, Decimal, datetime, date)):
        return value
    raise ScopeError(f"Column {column}: only strings, numbers, booleans, dates and None can be written.")


class ScopedTx:
    def __init__(self, session: Session, dialect: Dialect, target: Target, extra_tables: Sequence[str], tenant_id: str):
        self._session = session
        self._dialect = dialect
        self._target = target
        self._tenant_id = tenant_id
        target_ref = (target.schema, target.name)
        self._allowed: Dict[str, Tuple[Optional[str], str]] = {target.name: target_ref}
        if target.schema:
            self._allowed[f"{target.schema}.{target.name}"] = target_ref
        for name in extra_tables:
            self._allowed[name] = _split(name)
        self._target_ref = target_ref
        self._infos: Dict[Tuple[Optional[str], str], _TableInfo] = {}
        self.rows_affected = 0

    def _resolve(self, table: str) -> _TableInfo:
        ref = self._allowed.get(table)
        if ref is None:
            raise ScopeError(f"Table {table} is not one of this capability's tables.")
        info = self._infos.get(ref)
        if info is None:
            columns, pk = describe_table(self._session, self._dialect, ref[0], ref[1])
            if not columns:
                raise ScopeError(f"Table {table} does not exist or is not visible to the handler's credential.")
            is_target = ref == self._target_ref
            tenant_key = self._target.tenant_key if is_target or self._target.tenant_key in columns else None
            info = _TableInfo(ref[0], ref[1], columns, self._target.primary_key if is_target else pk, tenant_key)
            self._infos[ref] = info
        return info

    def _check_columns(self, info: _TableInfo, columns: Sequence[str]) -> None:
        for c in columns:
            if c not in info.columns:
                raise ScopeError(f"Column {c} is not a column of {info.label}.")

    def _match(self, info: _TableInfo, column: str, value: Any, params: List[Any]) -> str:
        sql, times = self._dialect.exact_match(self._dialect.quote(column), info.columns.get(column, True))
        params.extend([value] * times)
        return sql

    def _table(self, info: _TableInfo) -> str:
        return self._dialect.qualified(info.schema, info.name)

    def insert(self, table: str, row: Mapping[str, Any]) -> int:
        """Inserts one row; the tenant column is filled in (or must already equal the job's tenant). Returns the row count."""
        info = self._resolve(table)
        entries = [(k, _bindable(k, v)) for k, v in row.items()]
        if info.tenant_key:
            given = [v for k, v in entries if k == info.tenant_key]
            if given and str(given[0]) != self._tenant_id:
                raise ScopeError(f"Refusing to insert into {table} for another tenant.")
            if not given:
                entries.append((info.tenant_key, self._tenant_id))
        if not entries:
            raise ScopeError(f"Nothing to insert into {table}.")
        self._check_columns(info, [k for k, _ in entries])
        q = self._dialect.quote
        sql = f"INSERT INTO {self._table(info)} ({', '.join(q(k) for k, _ in entries)}) VALUES ({', '.join('%s' for _ in entries)})"
        _, count = self._session.run(sql, [v for _, v in entries])
        self.rows_affected += count
        return count

    def update(self, table: str, id: Any, patch: Mapping[str, Any]) -> int:
        """Updates the row with this primary key inside the job's tenant. Returns the row count."""
        info = self._resolve(table)
        if not info.primary_key:
            raise ScopeError(f"Table {table} has no single-column primary key; update it by key is not possible.")
        entries = [(k, _bindable(k, v)) for k, v in patch.items()]
        if not entries:
            raise ScopeError(f"Nothing to update in {table}.")
        if info.tenant_key and any(k == info.tenant_key for k, _ in entries):
            raise ScopeError(f"Refusing to change the tenant column of {table}.")
        self._check_columns(info, [k for k, _ in entries])
        q = self._dialect.quote
        params: List[Any] = [v for _, v in entries]
        where = self._match(info, info.primary_key, _bindable(info.primary_key, id), params)
        if info.tenant_key:
            where += " AND " + self._match(info, info.tenant_key, self._tenant_id, params)
        sql = f"UPDATE {self._table(info)} SET {', '.join(f'{q(k)} = %s' for k, _ in entries)} WHERE {where}"
        _, count = self._session.run(sql, params)
        self.rows_affected += count
        return count

    def query(self, table: str, where: Optional[Mapping[str, Any]] = None) -> List[Row]:
        """Rows matching every equality in `where`, inside the job's tenant (at most 1000)."""
        info = self._resolve(table)
        entries = [(k, _bindable(k, v)) for k, v in (where or {}).items()]
        self._check_columns(info, [k for k, _ in entries])
        q = self._dialect.quote
        params: List[Any] = [v for _, v in entries]
        conditions = [f"{q(k)} = %s" for k, _ in entries]
        if info.tenant_key:
            conditions.append(self._match(info, info.tenant_key, self._tenant_id, params))
        where_sql = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows, _ = self._session.run(f"SELECT * FROM {self._table(info)}{where_sql} LIMIT {MAX_QUERY_ROWS}", params)
        return rows
