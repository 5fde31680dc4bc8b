"""Imported by the extraction workers' fork server only (tasks/documents/article.py's
WORKER_PRELOAD): fills, once, the date parsers' lazy caches that every worker forked from it
would otherwise fill on its own first pages.

htmldate's extensive search loads the month names of all of dateparser's locales, and
dateparser builds its language data on its first parse: about 0.4 CPU-s here, which cost a
fresh worker about 1.2 CPU-s over its first 150 pages (bench/worker_warmup.py). Done in the fork
server, it runs while Prefect's server boots, and each worker starts with it in memory
(copy-on-write). Never imported by the flow's process, which parses no page.

Then everything the fork server holds is frozen (gc.freeze): a worker's collector would walk
those objects at each full collection, and by writing their GC headers copy their memory pages
(about 2 % of a worker's CPU on 1,000 pages, bench/RESULTS.md).
"""

from __future__ import annotations

import gc


def warm_up() -> None:
    """Load what htmldate's extensive search and its dateparser fallback load on first use."""
    from htmldate import extractors

    extractors.month_words()
    extractors.get_external_parser().get_date_data("3 mars 2021")


warm_up()
gc.freeze()
