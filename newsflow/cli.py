"""`newsflow` command line: ingest, sql, stories."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from warehouse.db import DEFAULT_DB, WarehouseError, connect, is_lake
from warehouse.snapshot import Publisher, connect_reader


def _reader_db_arg(parser: argparse.ArgumentParser) -> None:
    """--db for commands that only read: they read its read snapshot unless --live."""
    _db_arg(parser)
    parser.add_argument("--live", action="store_true",
                        help="read the warehouse file itself, not the read snapshot its writers publish "
                             "(NAME.read.duckdb beside it): fresher, but a run then waits until this command ends")


STORY_ROWS = 10   # articles listed per story by default: a big story's thousands of rows tell a console reader nothing


def _whole_number(text: str, minimum: int, hint: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: {hint}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a bad value is a usage error, exit 2, before any server starts)."""
    return _whole_number(text, 1, "give at least 1")


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number, 0 or more (0: no limit)."""
    return _whole_number(text, 0, "give 0 (no limit) or more")


def non_negative_float(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more (0: no limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not allowed: give 0 (no limit) or more seconds")
    return value


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
                            description="Ingest .txt, .md, .html, .htm and .html.gz files and .warc / .warc.gz "
                                        "archives (folders are walked recursively), article URLs, RSS/Atom feeds, "
                                        "sitemaps, URL lists and WARC URLs. One bad input is recorded in the "
                                        "failures table, not fatal.")
    ingest.add_argument("inputs", nargs="*", metavar="PATH_OR_URL", help="file, folder or http(s) article URL")
    ingest.add_argument("--feed", action="append", default=[], metavar="URL", help="RSS or Atom feed (repeatable)")
    ingest.add_argument("--sitemap", action="append", default=[], metavar="URL",
                        help="sitemap, sitemap index or Google News sitemap (repeatable)")
    ingest.add_argument("--urls", action="append", default=[], metavar="FILE",
                        help="file listing article URLs, one per line (repeatable)")
    ingest.add_argument("--sources", metavar="FILE", help="outlets file listing feeds and sitemaps (see sources.toml)")
    ingest.add_argument("--warc", action="append", default=[], metavar="URL",
                        help="WARC archive (.warc, .warc.gz) to download and read as it streams, or a list of them "
                             "such as CC-NEWS's warc.paths.gz (repeatable); local WARC files are given as paths")
    ingest.add_argument("--site", action="append", default=[], metavar="HOST",
                        help="WARC records: keep only this site's pages (its subdomains too; repeatable)")
    ingest.add_argument("--language", metavar="CODE",
                        help="WARC records: keep only pages that declare this language (Content-Language, else "
                             "<html lang>), e.g. fr; pages that declare none are skipped")
    ingest.add_argument("--since", metavar="DATE", help="WARC records: captured on or after DATE (YYYY-MM-DD or ISO time, UTC)")
    ingest.add_argument("--until", metavar="DATE", help="WARC records: captured on or before DATE (a day is included whole)")
    ingest.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="host or IP that may be fetched although it is not public (e.g. 127.0.0.1 for a "
                             "local test server); also NEWSFLOW_ALLOW_HOSTS=a,b")
    ingest.add_argument("--user-agent", help="User-Agent sent with every request (and matched against robots.txt)")
    _db_arg(ingest)
    ingest.add_argument("--batch-size", type=positive_int, default=200, help="articles per transaction (default: 200)")
    ingest.add_argument("--workers", type=positive_int, metavar="N",
                        help="extraction processes (default: the cores, at most 4; with --dask: local Dask workers)")
    ingest.add_argument("--lock-wait", type=non_negative_float, metavar="S",
                        help="when another process is writing the warehouse file, say so and wait up to S "
                             "seconds for it, then exit 2 (default: 60, or NEWSFLOW_LOCK_WAIT_SECONDS; "
                             "0: exit at once)")
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
    _reader_db_arg(sql)
    sql.add_argument("--max-rows", type=positive_int, default=100, help="rows to print (default: 100)")
    sql.add_argument("--safe", action="store_true",
                     help="for untrusted queries: read-only on every backend (only SELECT/WITH/DESCRIBE/SHOW/"
                          "EXPLAIN; no COPY, ATTACH, SET...), the warehouse's tables only (no read_text, "
                          "read_parquet, files or network, even the lake's own files), settings locked, and "
                          "bounded in time and memory; also NEWSFLOW_SQL_SAFE=1")
    sql.add_argument("--timeout", type=non_negative_float, metavar="S",
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
    _reader_db_arg(search)
    search.add_argument("--limit", type=positive_int, default=20, help="results to show (default: 20)")

    export = sub.add_parser("export", help="export the tables as Parquet (articles partitioned by day) or CSV, "
                                           "or the whole warehouse as a DuckDB file",
                            description="Write every table to a folder, for other tools (all but raw_pages, the "
                                        "raw bytes kept for reextract, and schema_migrations); or copy the whole "
                                        "warehouse, a DuckLake say, into a new DuckDB file with its search index.")
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--parquet", metavar="DIR", help="Parquet files; articles partitioned by publication day")
    target.add_argument("--csv", metavar="DIR", help="one CSV file per table")
    target.add_argument("--duckdb", metavar="FILE",
                        help="a new DuckDB warehouse file (every table, search index built): search a lake's data")
    _reader_db_arg(export)

    shell = sub.add_parser("shell", help="the DuckDB shell on the warehouse's read snapshot, search() included",
                           description="Open the DuckDB command-line shell, read-only, on what analysts should "
                                       "query: the read snapshot the writers publish (a run never waits for this "
                                       "shell, and the shell never waits for a run; reopen it to see newer data), "
                                       "with the fts extension loaded so that search('…') works.")
    _reader_db_arg(shell)
    shell.add_argument("-c", "--sql", metavar="SQL", help="run this SQL and exit instead of opening the shell")

    publish_cmd = sub.add_parser("publish", help="publish the read snapshot now",
                                 description="Write the read snapshot (NAME.read.duckdb beside the warehouse) "
                                             "from the warehouse's current state. Every writing command does this "
                                             "itself; use it for a warehouse written by other means.")
    _db_arg(publish_cmd)

    stories = sub.add_parser("stories", help="list stories with their articles, outlets and copies",
                             description="List stories, largest first, with their articles and copies.")
    _reader_db_arg(stories)
    stories.add_argument("--limit", type=positive_int, default=20, help="stories to show (default: 20)")
    stories.add_argument("--articles", type=non_negative_int, default=STORY_ROWS,
                         help=f"articles listed per story, earliest first (default: {STORY_ROWS}; 0: all)")
    stories.add_argument("--story", metavar="ID", help="only this story")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.whole_process = argv is None   # run as the `newsflow` command: the process is the CLI's alone
    if args.command in ("sql", "search", "stories", "export", "shell"):
        _warn_if_stale(args)
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
        if args.command == "shell":
            return cmd_shell(args)
        if args.command == "publish":
            return cmd_publish(args)
        return cmd_stories(args)
    except WarehouseError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2


LOCK_WAIT_ENV = "NEWSFLOW_LOCK_WAIT_SECONDS"   # read by flows.locking.warehouse_writer
CLI_LOCK_WAIT = 60.0   # a person waits a minute for another writer; unattended deployment runs ten


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """An environment variable set for the run only (main() is also called in-process by tests)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


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
    try:
        lock_wait = args.lock_wait if args.lock_wait is not None else \
            non_negative_float(os.environ.get(LOCK_WAIT_ENV) or str(CLI_LOCK_WAIT))
    except argparse.ArgumentTypeError as exc:
        print(f"newsflow: {LOCK_WAIT_ENV}: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")   # a busy machine needs > 20 s
    quiet_prefect_console(args.verbose)
    from newsflow.server import launch_early, own_home
    from tasks.web.urls import is_web_url

    urls = [i for i in args.inputs if is_web_url(i)]
    paths = [i for i in args.inputs if not is_web_url(i)] + [w for w in args.warc if not is_web_url(w)]   # a local --warc
    args.warc = [w for w in args.warc if is_web_url(w)]
    if not (args.inputs or args.feed or args.sitemap or args.urls or args.sources or args.warc):
        print("newsflow: nothing to ingest: give paths, URLs, --feed, --sitemap, --urls, --sources or --warc",
              file=sys.stderr)
        return 2
    try:
        from tasks.web.warc import warc_filter

        warc_filter(args.site, args.language, args.since, args.until)
    except ValueError as exc:
        print(f"newsflow: --since/--until: {exc} (expected YYYY-MM-DD or an ISO time)", file=sys.stderr)
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

    if args.whole_process:
        # What the imports made (Prefect's settings and schemas, modules) lives as long as the
        # process: frozen, the collector stops walking it at each full collection (0.4 of the CLI's
        # 1.1 CPU-s of garbage collection on 1,000 pages, bench/RESULTS.md). Not when main() is
        # called with arguments from a longer-lived process (tests): its objects would never be freed.
        gc.freeze()

    runner = make_task_runner("dask" if args.dask else "local", args.workers,
                              None if args.dask in (None, "local") else args.dask)
    try:
        # The temporary server is started here, so that it dies with this process (kill -9 included).
        with prefect_api(), _environ(LOCK_WAIT_ENV, f"{lock_wait:g}"):
            summary = ingest.with_options(task_runner=runner)(
                paths=paths, urls=urls, feeds=args.feed, sitemaps=args.sitemap, url_lists=args.urls,
                sources_file=args.sources, db=args.db, batch_size=args.batch_size,
                allow_hosts=args.allow_host, user_agent=args.user_agent, progress=sys.stderr.isatty(),
                workers=args.workers, warcs=args.warc, sites=args.site, language=args.language,
                since=args.since, until=args.until)
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
    console.print(Text.assemble((f"Run {summary.run_id}", "bold"), f" → {summary.db}"))
    for line in summary_lines(summary):
        console.print(line, markup=False, emoji=False)
    if summary.failures:
        table = Table("input", "stage", "reason", title="Not loaded")
        for f in summary.failures:
            table.add_row(*_cells(f.source_uri, f.stage, f.reason + (f": {f.detail}" if f.detail else "")))
        console.print(table)
    with connect_reader(summary.db) as con:
        _print_stories(con, console, limit=10, run_id=summary.run_id)


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 outlet`, `2 outlets`, `0 outlets` (`many` for an irregular plural)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def summary_lines(summary) -> list[str]:
    """The run's counts as sentences (plain text; pluralised). Inputs = loaded + updated + unchanged
    + not loaded: a failed feed is an input, a page the server reports not modified is unchanged."""
    c = summary.counts()
    lines = [
        f"{plural(c['files_seen'], 'input')}: {c['articles_loaded']} loaded, "
        f"{getattr(summary, 'articles_updated', 0)} updated (new versions), {c['unchanged']} unchanged, "
        f"{c['failures']} not loaded; {plural(c['lines_removed'], 'boilerplate line')} removed; "
        f"{plural(c['exact_copies'], 'exact copy', 'exact copies')}, "
        f"{plural(c['near_copies'], 'near copy', 'near copies')}; "
        f"{plural(c['stories_created'], 'new story', 'new stories')}, {c['stories_grown']} grown."]
    if getattr(summary, "lines_removed_retroactively", 0):
        lines.append(f"{plural(summary.lines_removed_retroactively, 'line')} of newly learned site boilerplate "
                     f"removed from {plural(summary.articles_recleaned, 'article')} loaded before.")
    if getattr(summary, "neighbourhoods_skipped", 0):
        lines.append(f"Stories: {plural(summary.neighbourhoods_skipped, 'neighbourhood')} too large to "
                     "consolidate, left as streamed.")
    if summary.conflict_retries:
        lines.append(f"DuckLake: {plural(summary.conflict_retries, 'batch', 'batches')} recomputed after a "
                     "concurrent writer committed first.")
    if c["requests"]:
        lines.append(f"Web: {plural(c['requests'], 'HTTP request')}, {plural(c['pages_fetched'], 'page')} fetched, "
                     f"{c['not_modified']} not modified.")
    if warc := summary.warc_line():
        lines.append(warc)
    return lines


def _cells(*values: object) -> list:
    """Table cells as rich Text (a str cell would be parsed as markup and :emoji: codes)."""
    from rich.text import Text

    return [Text("" if v is None else str(v)) for v in values]


def cmd_reextract(args: argparse.Namespace) -> int:
    from warehouse.reextract import reextract

    with connect(args.db) as con:
        report = reextract(con)
        Publisher(args.db).publish(con)
    print(f"{report.checked} stored inputs re-extracted ({report.checked - report.files} web pages, {report.files} files): "
          f"{report.updated} articles updated, "
          f"{report.failed} gave no article now (kept as they were), {report.links} copy links recomputed.")
    return 0


def progress_bar():
    """A rich progress bar on stderr when it is a terminal (as ingest's), silent otherwise (logs, pipes)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=not sys.stderr.isatty(), transient=True)


def cmd_enrich(args: argparse.Namespace) -> int:
    from warehouse.enrich import count_pending, enrich_pending
    from warehouse.runs import new_run_id
    from warehouse.search import rebuild_search_index

    with connect(args.db) as con, progress_bar() as bar:
        task = bar.add_task("enriching", total=count_pending(con))
        report = enrich_pending(con, new_run_id(), on_batch=lambda n: bar.advance(task, n))
        if report.articles and not is_lake(con):
            bar.update(task, description="rebuilding the search index")
            rebuild_search_index(con)
        Publisher(args.db).publish(con)
    print(f"{plural(report.articles, 'article')} enriched: {plural(report.quotes, 'quote')} ({report.linked} linked "
          f"to an earlier report), {plural(report.mentions, 'mention')} of "
          f"{plural(report.new_entities, 'new entity', 'new entities')}, {report.failed} failed")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from warehouse.search import has_search_index, load_fts, require_search

    with connect_reader(args.db, args.live) as con:
        require_search(con)
        if not has_search_index(con):
            print("newsflow: no search index yet: `newsflow enrich` (or the enrich and maintenance flows) builds it",
                  file=sys.stderr)
            return 1
        load_fts(con)
        rows = search_rows(con, args.query, args.limit)
    if not rows:
        print(f"No article matches {args.query!r}.")
        return 0
    from rich.table import Table

    table = Table("score", "article", "outlet (or file)", "published", "title / first words", "story")
    for row in rows:
        table.add_row(*_cells(*row))
    _console().print(table)
    return 0


def search_rows(con, query: str, limit: int) -> list[tuple[str, ...]]:
    """Ranked hits as display cells: score, article id, outlet (or the file's name), the date at its
    precision, the title (or the body's first words: never NULL) and the story."""
    from tasks.dates import published_label

    rows = con.execute("""
        SELECT round(s.score, 3), s.article_id, coalesce(s.outlet, regexp_extract(a.source_uri, '[^/]+$')),
               a.published_at, a.published_precision, coalesce(a.title, left(a.body, 60) || '…'),
               coalesce(s.story_title, s.story_id, '')
        FROM search(?) s JOIN articles a USING (article_id)
        ORDER BY s.score DESC, s.article_id LIMIT ?""", [query, limit]).fetchall()
    return [(f"{score:.3f}", article_id, outlet or "", published_label(when, precision), title, story)
            for score, article_id, outlet, when, precision, title, story in rows]


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import ExportError, export, export_duckdb

    try:
        with connect_reader(args.db, args.live) as con:
            if args.duckdb:
                counts = export_duckdb(con, args.duckdb)
            else:
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
    con = connect_reader(args.db, args.live, private=safe)   # --safe's locked settings stay with this query
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


def _warn_if_stale(args: argparse.Namespace) -> None:
    from warehouse.snapshot import staleness

    if not getattr(args, "live", False) and (warning := staleness(args.db)):
        print(f"newsflow: warning: {warning}", file=sys.stderr)


def cmd_publish(args: argparse.Namespace) -> int:
    from warehouse.snapshot import publish_now

    done = publish_now(args.db)
    if done is None:
        print("newsflow: a DuckLake needs no read snapshot: readers attach its catalog read-only", file=sys.stderr)
        return 2
    print(f"read snapshot {done.path} published at {done.published_at:%Y-%m-%d %H:%M:%S} UTC "
          f"({done.size_bytes / 1e6:.1f} MB in {done.seconds:.2f} s)")
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    """exec the DuckDB CLI (package duckdb-cli, same version as the library) on the read snapshot."""
    from warehouse.shell import shell_command

    argv = shell_command(args.db, args.live, args.sql)
    if args.sql is None:
        print(argv.banner, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv.program, argv.args)


def _console():
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=160)


def cmd_stories(args: argparse.Namespace) -> int:
    with connect_reader(args.db, args.live) as con:
        _print_stories(con, _console(), args.limit, args.articles, story_id=args.story)
    return 0


def _print_stories(con, console, limit: int, rows: int = STORY_ROWS, run_id: str | None = None,
                   story_id: str | None = None) -> None:
    """Each story, largest first, as a table of at most `rows` of its articles (earliest first; 0:
    all), its counts and span from all of them. With `run_id`: only the stories that run created or
    grew, each listing the articles that run added; with `story_id`: that story. Titles and cells
    are text, never markup."""
    from rich.table import Table
    from rich.text import Text

    from tasks.dates import published_label

    where, params = ("WHERE story_id = ?", [story_id]) if story_id else (
        ("WHERE ? IN (created_run_id, updated_run_id)", [run_id]) if run_id else ("", []))
    stories = con.execute(f"""
        SELECT story_id, title, article_count, outlet_count FROM stories {where}
        ORDER BY article_count DESC, first_seen, story_id LIMIT ?""", [*params, limit]).fetchall()
    if not stories:
        console.print("No story changed in this run." if run_id else f"No story {story_id}." if story_id
                      else "No stories yet.", markup=False)
        return
    for sid, title, n, outlets in stories:
        # The span as precisely as its first and last articles are dated (a month shown as a day would be a wrong fact).
        first, first_precision, last, last_precision, listed = con.execute("""
            SELECT min(a.published_at),
                   first(a.published_precision ORDER BY a.published_at, a.source_uri) FILTER (a.published_at IS NOT NULL),
                   max(a.published_at),
                   first(a.published_precision ORDER BY a.published_at DESC, a.source_uri) FILTER (a.published_at IS NOT NULL),
                   count(*) FILTER (?::VARCHAR IS NULL OR a.run_id = ?)
            FROM story_articles sa JOIN articles a USING (article_id) WHERE sa.story_id = ?""",
            [run_id, run_id, sid]).fetchone()
        shown = con.execute("""
            WITH shown AS (
                SELECT a.article_id, coalesce(a.site_name, regexp_extract(a.source_uri, '[^/]+$')) AS outlet,
                       a.published_at, a.published_precision,
                       coalesce(a.title, left(a.body, 70) || '…') AS title, a.source_uri
                FROM story_articles sa JOIN articles a USING (article_id)
                WHERE sa.story_id = ? AND (?::VARCHAR IS NULL OR a.run_id = ?)
                ORDER BY a.published_at NULLS LAST, a.source_uri LIMIT ?)
            SELECT article_id, outlet, published_at, published_precision, title,
                   (SELECT string_agg(d.duplicate_of || ' (' || d.kind || ' ' || round(d.similarity, 2) || ')', ', ')
                    FROM duplicates d WHERE d.article_id = shown.article_id)
            FROM shown ORDER BY published_at NULLS LAST, source_uri""",
            [sid, run_id, run_id, rows or None]).fetchall()
        span = (f"{published_label(first, first_precision)} → {published_label(last, last_precision)}"
                if first is not None else "undated")
        counts = f"{plural(n, 'article')}, {plural(outlets, 'outlet')}"
        caption = Text.assemble(title or sid, (f"  ({sid}: {counts}, {span})", "dim"))
        table = Table("article", "outlet (or file)", "published", "title / first words", "copy of",
                      title=caption, title_justify="left", caption_justify="left")
        for article_id, outlet, when, precision, *rest in shown:
            table.add_row(*_cells(article_id, outlet, published_label(when, precision), *rest))
        left_out = [plural(listed - len(shown), "more article") + (" of this run" if run_id else "")] * (listed > len(shown))
        left_out += [plural(n - listed, "article") + " from earlier runs"] * (n > listed)
        if left_out:
            table.caption = Text(f"… and {', '.join(left_out)}: newsflow stories --story {sid} --articles 0")
        console.print(table)


if __name__ == "__main__":
    sys.exit(main())

