"""Export the warehouse for other tools: Parquet (articles partitioned by publication day) or CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb

TABLES = ("articles", "paragraphs", "removed_lines", "duplicates", "copied_paragraphs", "stories",
          "story_articles", "failures", "runs", "sources", "pages")


def export(con: duckdb.DuckDBPyConnection, out: str | Path, fmt: str = "parquet") -> dict[str, int]:
    """Write every main table under `out`; returns rows per table. Parquet: articles/day=YYYY-MM-DD/*.parquet
    (Hive partitions on the publication day, ingestion day when undated) and one file per other table."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}: parquet or csv")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in TABLES:
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if table == "articles" and fmt == "parquet":
            con.execute(f"""COPY (SELECT *, CAST(coalesce(published_at, ingested_at) AS DATE) AS day FROM articles)
                            TO '{_quote(out / "articles")}' (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)""")
        elif fmt == "parquet":
            con.execute(f"COPY {table} TO '{_quote(out / f'{table}.parquet')}' (FORMAT parquet)")
        else:
            con.execute(f"COPY {table} TO '{_quote(out / f'{table}.csv')}' (FORMAT csv, HEADER)")
    return counts


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
