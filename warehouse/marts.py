"""Marts: SQL files in marts/, rebuilt in dependency order, identical on DuckDB and PostgreSQL.

Each file is one SELECT (import CTEs first, `select * from final` last) with header comments:
  -- grain: source, force, ...  (the columns that identify a row; checked unique after each build)
  -- feeds: police_uk_street    (rebuilt when that feed loads)
What a mart reads is found in its SQL, never declared: another mart it selects from is built
first, and a shared model of marts/models/ it selects from (with the shared models that one
reads) is injected as a CTE, so the counting rules and the area fan-out are written once.
After its SELECT, a mart's statistics and disclosure control are finished in Python
(`warehouse.finishing`): intervals, tests, secondary suppression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from warehouse.engine import is_duckdb
from warehouse.swap import LOCK_WAIT

MARTS_DIR = Path(__file__).parent / "marts"
MODELS_DIR = MARTS_DIR / "models"  # the shared models marts inject (inside the repo)


class MartGrainError(RuntimeError):
    """A mart holds two rows for one value of its declared grain."""


@dataclass(frozen=True)
class Mart:
    """A mart's name (= its table), SQL, upstream marts and source feeds."""

    name: str
    sql: str
    depends_on: tuple[str, ...]
    feeds: tuple[str, ...]
    grain: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()

    def select(self, shared_dir: Path = MODELS_DIR) -> str:
        """The mart's SELECT with each shared model it uses injected as the first CTEs."""
        body = self.sql.strip().rstrip(";")
        if not self.uses:
            return body
        ctes = [f"{name} as (\n{(shared_dir / f'{name}.sql').read_text(encoding='utf-8').strip().rstrip(';')}\n)"
                for name in self.uses]
        injected, found = re.subn(r"^with\s*$", lambda _: "with\n\n" + ",\n\n".join(ctes) + ",", body, count=1, flags=re.M)
        if not found:
            raise ValueError(f"{self.name} uses shared models but has no 'with' line to add them to")
        return injected


def _header_list(sql: str, key: str) -> tuple[str, ...]:
    found = re.findall(rf"^--\s*{key}:\s*(.+)$", sql, flags=re.M)
    return tuple(x.strip() for line in found for x in line.split(",") if x.strip())


def read_names(sql: str) -> set[str]:
    """The names a SELECT reads from (after from or join), comments left out."""
    code = re.sub(r"--[^\n]*", "", sql)
    return set(re.findall(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", code, flags=re.I))


def shared_models_read(names: set[str], shared: dict[str, str]) -> tuple[str, ...]:
    """The shared models among names and those they read, each after the ones it reads."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise ValueError(f"shared models read each other in a cycle: {' -> '.join(path + (name,))}")
        if name not in order:
            for upstream in sorted(read_names(shared[name]) & set(shared) - {name}):
                visit(upstream, path + (name,))
            order.append(name)

    for name in sorted(names & set(shared)):
        visit(name, ())
    return tuple(order)


def discover_marts(folder: Path = MARTS_DIR) -> dict[str, Mart]:
    """Every mart SQL file by name, with the marts and shared models its SQL reads."""
    shared = {p.stem: p.read_text(encoding="utf-8") for p in sorted((folder / MODELS_DIR.name).glob("*.sql"))}
    sqls = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.sql"))}
    marts = {}
    for name, sql in sqls.items():
        if re.search(r"^--\s*(depends_on|uses):", sql, flags=re.M):
            raise ValueError(f"{name}: what a mart reads comes from its SQL; drop its depends_on/uses header")
        reads = read_names(sql)
        marts[name] = Mart(name, sql, tuple(sorted(reads & set(sqls) - {name})), _header_list(sql, "feeds"),
                           _header_list(sql, "grain"), shared_models_read(reads, shared))
    return marts


def build_order(marts: dict[str, Mart], feeds: list[str] | None = None) -> list[str]:
    """Marts to rebuild, upstream first: all of them, or those fed by the feeds, their dependents
    and what they read (an upstream mart may not exist yet in a new warehouse)."""
    if feeds is None:
        wanted = set(marts)
    else:
        wanted = {m.name for m in marts.values() if set(m.feeds) & set(feeds)}
        grew = True
        while grew:
            extra = {m.name for m in marts.values() if set(m.depends_on) & wanted} - wanted
            wanted |= extra
            grew = bool(extra)
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ValueError(f"marts depend on each other in a cycle at {name}")
        visiting.add(name)
        for dep in marts[name].depends_on:
            if dep not in marts:
                raise ValueError(f"{name} depends on unknown mart {dep}")
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in sorted(wanted):
        visit(name)
    return order


def check_grain(conn: sa.Connection, mart: Mart, table: str | None = None) -> None:
    """Fail the build, naming the mart and the key, if two rows share one value of the grain."""
    if not mart.grain:
        return
    cols = ", ".join(mart.grain)
    row = conn.execute(sa.text(f"select {cols}, count(*) from {table or mart.name} group by {cols} having count(*) > 1 limit 1")).first()
    if row is not None:
        key = dict(zip(mart.grain, row[:-1]))
        raise MartGrainError(f"{mart.name}: {row[-1]} rows share its grain ({cols}): {key}")


@dataclass
class MartBuild:
    """The marts swapped in, and those kept as they were, each with why (a view reads what changed)."""

    built: list[str]
    conflicts: list[str]


def build_marts(engine: sa.Engine, feeds: list[str] | None = None, analyst: str | None = None) -> MartBuild:
    """Build the marts aside, then swap them in by one short transaction (warehouse/swap.py), so
    readers never wait on a build and never see half of one; each is finished, its grain checked
    and declared as its key, its table and column comments set and the analyst's reads granted."""
    from warehouse.comments import set_comments
    from warehouse.finishing import finish_mart
    from warehouse.roles import grant_analyst_reads
    from warehouse.swap import (
        aside,
        building_schema,
        builds_one_at_a_time,
        declare_grain,
        drop_staged,
        staged,
        swap_in,
        unbound_views,
    )

    marts = discover_marts()
    names = build_order(marts, feeds)
    # one connection for both transactions, holding the build lock: a second build (another feed's
    # run) waits, rather than dropping or swapping this one's tables aside
    with engine.connect() as conn, builds_one_at_a_time(conn):
        with conn.begin():
            drop_staged(conn)
            schema = building_schema(conn)
            for name in names:
                mart, table = marts[name], staged(name)
                conn.execute(sa.text(f'create table "{schema}".{table} as\n{aside(mart.select(), names)}'))
                finish_mart(conn, name, mart.grain, table)
                check_grain(conn, mart, table)
                declare_grain(conn, table, mart.grain, checked=True)
        with conn.begin():
            if not is_duckdb(conn):
                conn.execute(sa.text(f"set local lock_timeout = '{LOCK_WAIT}'"))
            conflicts = [said for name in names if (said := swap_in(conn, name, marts[name].grain))]
            set_comments(conn, names)
            grant_analyst_reads(conn, analyst)
    built = [name for name in names if not any(c.startswith(f"{name} ") for c in conflicts)]
    return MartBuild(built, conflicts + unbound_views(engine, names))
