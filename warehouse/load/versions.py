"""Article versions, the warehouse side: version 1 of each new article, and a new version of a
stored article whose page or file came back with another text or headline (issue 18).

A revised article keeps its id, first-seen time, run and story (the subject of a corrected
article is the same; story statistics are counts over what was seen). Its text is written over
the stored one by replace_articles (warehouse/load/replace.py, as re-extraction does): body,
paragraphs, removed lines, metadata, fingerprints and copy links follow the latest version, and
so does search (its index is built from articles). Its quotes and mentions pointed at the old
paragraphs: they are dropped and the article is enriched again by the next enrichment run.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from tasks.copies.fingerprint import fingerprint_article
from tasks.documents.article import no_content
from tasks.documents.clean import SiteLine, remove_site_boilerplate
from tasks.isolation import stage
from tasks.models import Article, Failure, Fingerprint
from tasks.versions import ParagraphChange, content_sha256, paragraph_diff
from warehouse.load.clean import learned_boilerplate
from warehouse.load.known import stored_paragraphs
from warehouse.load.replace import replace_articles
from warehouse.load.report import BatchReport, count_unchanged
from warehouse.reextract import keep_outside_evidence, stored_metadata, stored_outside_sources
from warehouse.sql import insert_rows, keys

VERSION_COLUMNS = ["article_id", "version", "fetched_at", "run_id", "raw_sha256", "content_sha256", "title",
                   "word_count", "paragraphs", "paragraphs_added", "paragraphs_removed", "diff"]


def version_row(article: Article, version: int, fetched_at: datetime, run_id: str, word_count: int,
                diff: list[ParagraphChange] | None) -> tuple:
    """One article_versions row (VERSION_COLUMNS order); `diff` None for version 1."""
    return (article.article_id, version, fetched_at, run_id, article.raw_sha256, content_sha256(article.body),
            article.title, word_count, len(article.paragraphs),
            None if diff is None else sum(c.op == "added" for c in diff),
            None if diff is None else sum(c.op == "removed" for c in diff),
            None if diff is None else [{"op": c.op, "position": c.position, "text": c.text} for c in diff])


def write_first_versions(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, new: list[Article],
                         fingerprints: list[Fingerprint]) -> None:
    """Version 1 of each new article (fingerprints in `new` order, for the word counts)."""
    insert_rows(con, "article_versions", VERSION_COLUMNS, [version_row(a, 1, now, run_id, fp.word_count, None)
                                                           for a, fp in zip(new, fingerprints, strict=True)])


def revise(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, revised: list[Article],
           learned: set[SiteLine], failures: list[Failure], report: BatchReport) -> list[Article]:
    """Write each revised article as the next version of the stored one: its site's learned
    boilerplate (stored, and `learned` by this batch) set aside as the loader does, the evidence
    its feed or sitemap gave at load time kept, the diff against the stored paragraphs recorded.
    One left empty is a failure and keeps its stored version; one whose cleaned text and headline
    turn out to be the stored ones is unchanged. Returns the articles written."""
    if not revised:
        return []
    ids = [a.article_id for a in revised]
    boilerplate = {(site, key) for site, site_keys in
                   learned_boilerplate(con, {a.outlet for a in revised if a.outlet}).items() for key in site_keys}
    boilerplate |= learned
    metadata, outside = stored_metadata(con, ids), stored_outside_sources(con, ids)
    previous = stored_paragraphs(con, ids)
    stored = dict(con.execute(
        f"SELECT article_id, struct_pack(version := version, title := title) FROM articles "
        f"WHERE article_id IN {keys(con, ids, '_revised')}").fetchall())
    written: list[Article] = []
    fingerprints: list[Fingerprint] = []
    rows: list[tuple] = []
    for article in revised:
        with stage("load", article.article_id):
            remove_site_boilerplate(article, boilerplate)
            keep_outside_evidence(article, metadata.get(article.article_id), outside.get(article.article_id, {}))
            if not article.paragraphs:
                failures.append(no_content(article.source_id, article.source_uri, "every line was boilerplate"))
                report.outcomes[article.article_id] = "failed: no content after cleaning"
                continue
            before = previous.get(article.article_id, [])
            old = stored[article.article_id]
            if article.paragraphs == before and article.title == old["title"]:
                count_unchanged(report, article)
                continue
            fingerprint = fingerprint_article(article)
            diff = paragraph_diff(before, article.paragraphs)
        version = (old["version"] or 1) + 1
        written.append(article)
        fingerprints.append(fingerprint)
        rows.append(version_row(article, version, now, run_id, fingerprint.word_count, diff))
    if not written:
        return []
    replace_articles(con, written, fingerprints)
    for article, row in zip(written, rows, strict=True):
        con.execute("UPDATE articles SET raw_sha256 = ?, version = ? WHERE article_id = ?",
                    [article.raw_sha256, row[1], article.article_id])
    insert_rows(con, "article_versions", VERSION_COLUMNS, rows)
    written_ids = keys(con, [a.article_id for a in written], "_rewritten")
    for table in ("quotes", "mentions", "internals.enriched"):   # enriched again from the new paragraphs
        con.execute(f"DELETE FROM {table} WHERE article_id IN {written_ids}")
    for article in written:
        report.outcomes[article.article_id] = "updated"
    report.updated += [a.article_id for a in written]
    return written
