"""Full-text search over titles and bodies (DuckDB's fts extension, BM25), French and English
stemming: French articles are indexed with the French stemmer, the others with the English one,
and the `search(query)` table macro ranks both with each article's story.

The extension comes from the `duckdb-extension-fts` package (offline), loaded from its file (nothing
is installed under ~/.duckdb); a user online can also `INSTALL fts`.
"""

from __future__ import annotations

import duckdb

from warehouse.db import WarehouseError, is_lake, load_extension, transaction

INDEXES = (("fr", "french", "language = 'fr'"), ("en", "english", "language IS DISTINCT FROM 'fr'"))


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD fts from the packaged file (nothing is installed, so nothing is written in ~/.duckdb).
    `newsflow sql --safe` calls this before it locks the settings: with external access off, the
    search() macro's extension could not be loaded any more."""
    load_extension(con, "fts")


def require_search(con: duckdb.DuckDBPyConnection) -> None:
    """Raise a clear WarehouseError on a DuckLake: the fts index tables cannot be stored in a lake."""
    if is_lake(con):
        raise WarehouseError("full-text search is not available on a DuckLake warehouse (DuckLake cannot store the "
                             "fts index): `newsflow export --duckdb FILE --db LAKE` copies the lake into a DuckDB "
                             "file with its search index, then `newsflow search QUERY --db FILE`")


def rebuild_search_index(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build both indexes and the search() macro; returns the number of articles indexed."""
    require_search(con)
    load_fts(con)
    total = 0
    for suffix, _stemmer, where in INDEXES:
        with transaction(con):
            con.execute(f"CREATE OR REPLACE TABLE internals.search_{suffix} AS "
                        f"SELECT article_id, coalesce(title, '') AS title, body FROM articles WHERE {where}")
        total += con.execute(f"SELECT count(*) FROM internals.search_{suffix}").fetchone()[0]
    for suffix, stemmer, _where in INDEXES:
        con.execute(f"PRAGMA create_fts_index('internals.search_{suffix}', 'article_id', 'title', 'body', "
                    f"stemmer = '{stemmer}', stopwords = 'none', strip_accents = 1, lower = 1, overwrite = 1)")
    con.execute("""
        CREATE OR REPLACE MACRO search(q) AS TABLE
        WITH hits AS (
            SELECT article_id, fts_internals_search_fr.match_bm25(article_id, q) AS score FROM internals.search_fr
            UNION ALL
            SELECT article_id, fts_internals_search_en.match_bm25(article_id, q) AS score FROM internals.search_en
        )
        SELECT h.score, a.article_id, a.title, outlet_of(a.site_name, a.url) AS outlet, a.published_at,
               sa.story_id, s.title AS story_title
        FROM hits h JOIN articles a USING (article_id)
        LEFT JOIN story_articles sa USING (article_id) LEFT JOIN stories s USING (story_id)
        WHERE h.score IS NOT NULL
        ORDER BY h.score DESC, a.article_id""")
    return total


def has_search_index(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_internals_search_fr'").fetchone()[0])
