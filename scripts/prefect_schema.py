"""Write newsflow/prefect_schema/prefect-VERSION.sql: the schema Prefect's own migrations give a
new SQLite database, for the installed Prefect version (run after upgrading Prefect).

    .venv/bin/python scripts/prefect_schema.py [--check]

The CLI's temporary server starts its first run's fresh home from this schema instead of running
Prefect's ~100 migrations (newsflow/server.py, `_seed_home`). --check compares instead of writing
(exit 1 when the shipped file differs): tests/test_prefect_schema.py runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def migrated_schema() -> str:
    """Run Prefect's migrations on a new database in a temporary home; return its schema as SQL
    (tables, indexes, triggers and the alembic revision; no rows otherwise: blocks are registered
    by the server at its start)."""
    with tempfile.TemporaryDirectory(prefix="newsflow-prefect-schema-") as home:
        os.environ["PREFECT_HOME"] = home
        for key in ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_API_URL"):
            os.environ.pop(key, None)
        import asyncio

        from prefect.server.database import provide_database_interface

        asyncio.run(provide_database_interface().create_db())   # the migrations, as the server runs them
        with contextlib.closing(sqlite3.connect(Path(home) / "prefect.db")) as db:
            kept = [line for line in db.iterdump()
                    if not line.startswith("INSERT INTO") or line.startswith('INSERT INTO "alembic_version"')]
            assert len(kept) > 100, "the migrations made almost no schema: is the database the home's SQLite file?"
    return "\n".join(kept) + "\n"


def describe(schema: str) -> dict:
    """What a schema defines, independent of statement order (the migrations list a table's
    constraints in an order that varies between runs): per table its columns, foreign keys and
    indexes from SQLite's own pragmas; triggers and views by their SQL; the alembic revision."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.executescript(schema)
        described: dict = {"revision": db.execute("SELECT version_num FROM alembic_version").fetchall()}
        for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall():
            if kind == "table":
                indexes = sorted((row[1], row[2], row[3], row[4], tuple(db.execute(f'PRAGMA index_info("{row[1]}")')))
                                 for row in db.execute(f'PRAGMA index_list("{name}")'))
                described[name] = (list(db.execute(f'PRAGMA table_info("{name}")')),
                                   sorted(row[2:] for row in db.execute(f'PRAGMA foreign_key_list("{name}")')), indexes)
            elif kind in ("trigger", "view"):
                described[name] = sql
    return described


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from newsflow.server import shipped_schema

    target = shipped_schema()
    schema = migrated_schema()
    if args.check:
        same = target.is_file() and describe(target.read_text(encoding="utf-8")) == describe(schema)
        print(f"{target.relative_to(ROOT)}: {'matches' if same else 'differs from'} Prefect's migrations")
        return 0 if same else 1
    target.parent.mkdir(exist_ok=True)
    target.write_text(schema, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)} ({len(schema.splitlines())} statements)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
