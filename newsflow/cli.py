"""`newsflow` command line: ingest, sql, stories."""

from __future__ import annotations

import argparse
import os
import sys

from warehouse.db import DEFAULT_DB, WarehouseError, connect, is_lake


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=str(DEFAULT_DB),
                        help=f"DuckDB warehouse file (default: {DEFAULT_DB}), or a DuckLake several workers can write "
                             "at once: ducklake:sqlite:FILE or ducklake:postgres:'dbname=… host=…', optionally "
                             "?data_path=DIR_OR_S3_PREFIX (also NEWSFLOW_LAKE_DATA_PATH)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow", description="Ingest news articles into a clean, deduplicated DuckDB warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="ingest files, folders and web sources (runs the Prefect flow)",
                            description="Ingest .txt, .md, .html, .htm and .html.gz files (folders are "
                                        "walked recursively), article URLs, RSS/Atom feeds, sitemaps and URL "
                                        "lists. One bad input is recorded in the failures table, not fatal.")
    ingest.add_argument("inputs", nargs="*", metavar="PATH_OR_URL", help="file, folder or http(s) article URL")
    ingest.add_argument("--feed", action="append", default=[], metavar="URL", help="RSS or Atom feed (repeatable)")
    ingest.add_argument("--sitemap", action="append", default=[], metavar="URL",
                        help="sitemap, sitemap index or Google News sitemap (repeatable)")
    ingest.add_argument("--urls", action="append", default=[], metavar="FILE",
                        help="file listing article URLs, one per line (repeatable)")
    ingest.add_argument("--sources", metavar="FILE", help="outlets file listing feeds and sitemaps (see sources.toml)")
    ingest.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="host or IP that may be fetched although it is not public (e.g. 127.0.0.1 for a "
                             "local test server); also NEWSFLOW_ALLOW_HOSTS=a,b")
    ingest.add_argument("--user-agent", help="User-Agent sent with every request (and matched against robots.txt)")
    _db_arg(ingest)
    ingest.add_argument("--batch-size", type=int, default=200, help="articles per transaction (default: 200)")
    ingest.add_argument("--workers", type=int, metavar="N",
                        help="extraction processes (default: the cores, at most 4; with --dask: local Dask workers)")
    ingest.add_argument("--dask", nargs="?", const="local", metavar="ADDRESS",
                        help="extract on Dask: a scheduler address (tcp://host:8786), or a local cluster if none "
                             "is given (env NEWSFLOW_DASK_ADDRESS also sets the address)")
    ingest.add_argument("-v", "--verbose", action="store_true",
                        help="also print Prefect's INFO lines (flow and task runs); warnings, errors and the "
                             "summary are printed either way")

    reextract = sub.add_parser("reextract", help="re-extract stored raw pages with the current rules",
                               description="Extract and clean again the raw bytes kept for web pages and file "
                                           "inputs (after the extractor or the cleaning rules improved) and update the "
                                           "articles whose text changed.")
    _db_arg(reextract)

    sql = sub.add_parser("sql", help="run a SQL query on the warehouse (read-only) and print the result",
                         description="Run a SQL query on the warehouse, opened read-only.")
    sql.add_argument("query", help='e.g. "SELECT title, site_name FROM articles"')
    _db_arg(sql)
    sql.add_argument("--max-rows", type=int, default=100, help="rows to print (default: 100)")
    sql.add_argument("--safe", action="store_true",
                     help="for untrusted queries: read-only on every backend (only SELECT/WITH/DESCRIBE/SHOW/"
                          "EXPLAIN; no COPY, ATTACH, SET...), the warehouse's tables only (no read_text, "
                          "read_parquet, files or network, even the lake's own files), settings locked, and "
                          "bounded in time and memory; also NEWSFLOW_SQL_SAFE=1")
    sql.add_argument("--timeout", type=float, metavar="S",
                     help="stop the query after S seconds (default with --safe: 30; 0: no limit; "
                          "env NEWSFLOW_SQL_TIMEOUT)")
    sql.add_argument("--memory-limit", metavar="SIZE",
                     help="DuckDB memory limit for the query, e.g. 1GB (default with --safe: 1GB; "
                          "env NEWSFLOW_SQL_MEMORY_LIMIT)")

    enrich = sub.add_parser("enrich", help="extract quotes (with speakers) from articles not yet enriched",
                            description="The enrichment stage, outside ingest: quotes, linked across outlets.")
    _db_arg(enrich)

    search = sub.add_parser("search", help="full-text search (French and English stemming), ranked, with stories",
                            description="Search titles and bodies; the index is rebuilt by enrichment runs and nightly.")
    search.add_argument("query", help='e.g. "cosmodrome Poutine"')
    _db_arg(search)
    search.add_argument("--limit", type=int, default=20, help="results to show (default: 20)")

    export = sub.add_parser("export", help="export the tables as Parquet (articles partitioned by day) or CSV",
                            description="Write every table to a folder, for other tools.")
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--parquet", metavar="DIR", help="Parquet files; articles partitioned by publication day")
    target.add_argument("--csv", metavar="DIR", help="one CSV file per table")
    _db_arg(export)

    stories = sub.add_parser("stories", help="list stories with their articles, outlets and copies",
                             description="List stories, largest first, with their articles and copies.")
    _db_arg(stories)
    stories.add_argument("--limit", type=int, default=20, help="stories to show (default: 20)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return cmd_ingest(args)
        if args.command == "sql":
            return cmd_sql(args)
        if args.command == "reextract":
            return cmd_reextract(args)
        if args.command == "enrich":
            return cmd_enrich(args)
        if args.command == "search":
            return cmd_search(args)
        if args.command == "export":
            return cmd_export(args)
        return cmd_stories(args)
    except WarehouseError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2


# Prefect's console handler only (the API handler still sends every INFO line to the server's UI).
CONSOLE_LEVEL_ENV = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"
QUIET_CONSOLE_LEVEL = "WARNING"


def quiet_prefect_console(verbose: bool) -> None:
    """Keep Prefect's INFO lines (about ten a run, between the progress bar's) off the terminal
    unless --verbose: a newcomer reads the summary. Set before Prefect is imported and inherited by
    the temporary server. A level the user set is kept."""
    if not verbose:
        os.environ.setdefault(CONSOLE_LEVEL_ENV, QUIET_CONSOLE_LEVEL)
    elif os.environ.get(CONSOLE_LEVEL_ENV) == QUIET_CONSOLE_LEVEL:
        del os.environ[CONSOLE_LEVEL_ENV]


def cmd_ingest(args: argparse.Namespace) -> int:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")   # a busy machine needs > 20 s
    quiet_prefect_console(args.verbose)
    from newsflow.server import launch_early, own_home
    from tasks.web.urls import is_web_url

    urls = [i for i in args.inputs if is_web_url(i)]
    paths = [i for i in args.inputs if not is_web_url(i)]
    if not (args.inputs or args.feed or args.sitemap or args.urls or args.sources):
        print("newsflow: nothing to ingest: give paths, URLs, --feed, --sitemap, --urls or --sources", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("newsflow: --workers must be at least 1", file=sys.stderr)
        return 2
    if own_home():
        # Start-up (~8 s of server boot, seconds of Prefect import) overlaps the first batches' extraction.
        launch_early()
        if paths and not args.dask:
            from flows.head_start import start_file_extraction
            from tasks.sandbox import SandboxConfig

            start_file_extraction(paths, args.batch_size, SandboxConfig(workers=args.workers) if args.workers
                                  else SandboxConfig())
    from flows.ingest import ingest  # imported late: Prefect is slow to import
    from flows.runners import make_task_runner
    from newsflow.server import prefect_api

    runner = make_task_runner("dask" if args.dask else "local", args.workers,
                              None if args.dask in (None, "local") else args.dask)
    try:
        # The temporary server is started here, so that it dies with this process (kill -9 included).
        with prefect_api():
            summary = ingest.with_options(task_runner=runner)(
                paths=paths, urls=urls, feeds=args.feed, sitemaps=args.sitemap, url_lists=args.urls,
                sources_file=args.sources, db=args.db, batch_size=args.batch_size,
                allow_hosts=args.allow_host, user_agent=args.user_agent, progress=sys.stderr.isatty(),
                workers=args.workers)
    except WarehouseError:
        raise
    except Exception as exc:  # the run failed: the flow has recorded it in the runs table
        print(f"newsflow: ingest failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print_summary(summary)
    return 0


def print_summary(summary) -> None:
    """The run's counts, its failures and the stories. Every value from the data (paths, titles,
    failure reasons) is printed as text: a title like `Alerte [/dim] rouge [bold` is not markup."""
    from rich.table import Table
    from rich.text import Text

    console = _console()
    c = summary.counts()
    console.print(Text.assemble((f"Run {summary.run_id}", "bold"), f" → {summary.db}"))
    console.print(
        f"{c['files_seen']} inputs: {c['articles_loaded']} loaded, {c['unchanged']} unchanged, "
        f"{c['failures']} not loaded; {c['lines_removed']} boilerplate lines removed; "
        f"{c['exact_copies']} exact and {c['near_copies']} near copies; "
        f"{c['stories_created']} new stories, {c['stories_grown']} grown.", markup=False, emoji=False)
    if getattr(summary, "lines_removed_retroactively", 0):
        console.print(f"{summary.lines_removed_retroactively} lines of newly learned site boilerplate removed from "
                      f"{summary.articles_recleaned} articles loaded before.", markup=False, emoji=False)
    if summary.conflict_retries:
        console.print(f"DuckLake: {summary.conflict_retries} batches recomputed after a concurrent writer committed first.")
    if c["requests"]:
        console.print(f"Web: {c['requests']} HTTP requests, {c['pages_fetched']} pages fetched, "
                      f"{c['not_modified']} not modified.")
    if summary.failures:
        table = Table("input", "stage", "reason", title="Not loaded")
        for f in summary.failures:
            table.add_row(*_cells(f.source_uri, f.stage, f.reason + (f": {f.detail}" if f.detail else "")))
        console.print(table)
    with connect(summary.db, read_only=True) as con:
        _print_stories(con, console, limit=10)


def _cells(*values: object) -> list:
    """Table cells as rich Text (a str cell would be parsed as markup and :emoji: codes)."""
    from rich.text import Text

    return [Text("" if v is None else str(v)) for v in values]


def cmd_reextract(args: argparse.Namespace) -> int:
    from warehouse.reextract import reextract

    with connect(args.db) as con:
        report = reextract(con)
    print(f"{report.checked} stored inputs re-extracted ({report.checked - report.files} web pages, {report.files} files): "
          f"{report.updated} articles updated, "
          f"{report.failed} gave no article now (kept as they were), {report.links} copy links recomputed.")
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from warehouse.enrich import enrich_pending
    from warehouse.runs import new_run_id
    from warehouse.search import rebuild_search_index

    with connect(args.db) as con:
        report = enrich_pending(con, new_run_id())
        if report.articles and not is_lake(con):
            rebuild_search_index(con)
    print(f"{report.articles} articles enriched: {report.quotes} quotes ({report.linked} linked to an earlier "
          f"report), {report.mentions} mentions of {report.new_entities} new entities, {report.failed} failed")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from warehouse.search import has_search_index, load_fts, require_search

    with connect(args.db, read_only=True) as con:
        require_search(con)
        if not has_search_index(con):
            print("newsflow: no search index yet: `newsflow enrich` (or the enrich and maintenance flows) builds it",
                  file=sys.stderr)
            return 1
        load_fts(con)
        con.sql("SELECT round(score, 3) AS score, title, outlet, published_at, story_title FROM search(?) LIMIT ?",
                params=[args.query, args.limit]).show(max_width=10_000)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import ExportError, export

    try:
        with connect(args.db, read_only=True) as con:
            counts = export(con, args.parquet or args.csv, "parquet" if args.parquet else "csv")
    except ExportError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2
    print(", ".join(f"{table}: {n}" for table, n in counts.items()))
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """Run one query read-only; with --safe, also refused unless it only reads tables, and bounded
    (see warehouse/safe_sql.py). Exit 1 with a message for a refused, failed or stopped query."""
    import duckdb

    from warehouse.safe_sql import UnsafeQuery, limits, lock_down, refusal, time_limit

    safe = args.safe or os.environ.get("NEWSFLOW_SQL_SAFE") == "1"
    try:
        timeout, memory_limit = limits(safe, args.timeout, args.memory_limit)
    except UnsafeQuery as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 1
    if safe and (why := refusal(args.query)):
        print(f"newsflow: query refused: {why}", file=sys.stderr)
        return 1
    con = connect(args.db, read_only=True, private=safe)   # --safe's locked settings stay with this query
    try:
        if safe:
            lock_down(con, memory_limit or "1GB", is_lake(con))
        elif memory_limit:
            con.execute("SET memory_limit = ?", [memory_limit])
        with time_limit(con, timeout) as fired:
            try:
                result = con.sql(args.query)
                if result is not None:
                    result.show(max_rows=args.max_rows, max_width=10_000)
            except duckdb.InterruptException:
                if fired.is_set():
                    print(f"newsflow: query stopped: it ran over the {timeout:g} s time limit (--timeout S)",
                          file=sys.stderr)
                    return 1
                raise
    except duckdb.OutOfMemoryException as exc:
        print(f"newsflow: query stopped: it needs more than the {memory_limit} memory limit "
              f"(--memory-limit SIZE): {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except (duckdb.Error, UnsafeQuery) as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def _console():
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=160)


def cmd_stories(args: argparse.Namespace) -> int:
    with connect(args.db, read_only=True) as con:
        _print_stories(con, _console(), args.limit)
    return 0


def _print_stories(con, console, limit: int) -> None:
    """Each story as a table of its articles; titles and cells are text, never markup."""
    from rich.table import Table
    from rich.text import Text

    from tasks.dates import published_label

    stories = con.execute("""
        SELECT story_id, title, article_count, outlet_count, first_seen, last_seen
        FROM stories ORDER BY article_count DESC, first_seen, story_id LIMIT ?""", [limit]).fetchall()
    if not stories:
        console.print("No stories yet.", markup=False)
        return
    for story_id, title, n, outlets, _first, _last in stories:
        rows = con.execute("""
            SELECT a.article_id, coalesce(a.site_name, regexp_extract(a.source_uri, '[^/]+$')),
                   a.published_at, a.published_precision,
                   coalesce(a.title, left(a.body, 70) || '…'),
                   (SELECT string_agg(d.duplicate_of || ' (' || d.kind || ' ' || round(d.similarity, 2) || ')', ', ')
                    FROM duplicates d WHERE d.article_id = a.article_id)
            FROM story_articles sa JOIN articles a USING (article_id)
            WHERE sa.story_id = ?
            ORDER BY a.published_at NULLS LAST, a.source_uri""", [story_id]).fetchall()
        dated = [(when, precision) for _, _, when, precision, *_ in rows if when is not None]
        # The span as precisely as its first and last articles are dated (a month shown as a day would be a wrong fact).
        span = (f"{published_label(*min(dated, key=lambda d: d[0]))} → {published_label(*max(dated, key=lambda d: d[0]))}"
                if dated else "undated")
        caption = Text.assemble(title or story_id, (f"  ({story_id}: {n} articles, {outlets} outlets, {span})", "dim"))
        table = Table("article", "outlet (or file)", "published", "title / first words", "copy of",
                      title=caption, title_justify="left")
        for article_id, outlet, when, precision, *rest in rows:
            table.add_row(*_cells(article_id, outlet, published_label(when, precision), *rest))
        console.print(table)


if __name__ == "__main__":
    sys.exit(main())

