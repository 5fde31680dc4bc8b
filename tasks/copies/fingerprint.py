"""Fingerprints of an article: exact-content hash, winnowed shingle hashes, paragraph shingles.

Word shingles are hashed with a rolling polynomial over per-word xxhash values (numpy, no
Python loop per shingle). Winnowing (Schleimer et al., 2003) keeps the minimum hash of every
window of `WINDOW` shingles: any passage of at least WINDOW + SHINGLE_WORDS - 1 words that two
articles share yields at least one common fingerprint, whatever else the articles contain. That
is what lets a persistent hash → article index find partial copies (a dispatch with paragraphs
added or cut), which whole-document MinHash misses.
"""

from __future__ import annotations

import numpy as np
import xxhash

from tasks.models import Article, Fingerprint
from tasks.text import words

SHINGLE_WORDS = 5
WINDOW = 4
PARAGRAPH_SHINGLE_WORDS = 3
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def word_hashes(tokens: list[str]) -> np.ndarray:
    return np.fromiter((xxhash.xxh64_intdigest(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens))


def shingle_hashes(tokens: list[str], k: int = SHINGLE_WORDS) -> np.ndarray:
    """uint64 hash of every run of k consecutive words (a text shorter than k gives one hash)."""
    return rolling_hashes(word_hashes(tokens), k)


def rolling_hashes(hashes: np.ndarray, k: int) -> np.ndarray:
    """Shingle hashes from word hashes: a polynomial over each run of k (one hash when fewer)."""
    if len(hashes) == 0:
        return hashes
    if len(hashes) < k:
        k = len(hashes)
    n = len(hashes) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc = acc * _MULTIPLIER + hashes[j : j + n]
    return acc


def winnow(hashes: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Minimum of every window of `window` consecutive hashes, as sorted unique int64."""
    if len(hashes) == 0:
        return np.empty(0, dtype=np.int64)
    if len(hashes) > window:
        hashes = np.lib.stride_tricks.sliding_window_view(hashes, window).min(axis=1)
    return np.unique(hashes.view(np.int64))


def fingerprint_paragraphs(article_id: str, paragraphs: list[str]) -> Fingerprint:
    return fingerprint_tokens(article_id, [words(paragraph) for paragraph in paragraphs])


def fingerprint_tokens(article_id: str, paragraph_tokens: list[list[str]]) -> Fingerprint:
    """Fingerprint of an article given the words (tasks.text.words) of each paragraph."""
    all_words: list[str] = []
    all_hashes: list[np.ndarray] = []
    paragraph_hashes: list[np.ndarray] = []
    paragraph_words: list[int] = []
    for tokens in paragraph_tokens:
        hashes = word_hashes(tokens)   # each word hashed once, for both shingle sizes
        all_words.extend(tokens)
        all_hashes.append(hashes)
        paragraph_words.append(len(tokens))
        paragraph_hashes.append(rolling_hashes(hashes, PARAGRAPH_SHINGLE_WORDS))
    article_hashes = np.concatenate(all_hashes) if all_hashes else np.empty(0, dtype=np.uint64)
    return Fingerprint(
        article_id=article_id,
        content_hash=xxhash.xxh64_intdigest(" ".join(all_words).encode()) - (1 << 63),
        winnowed=winnow(rolling_hashes(article_hashes, SHINGLE_WORDS)),
        paragraph_hashes=paragraph_hashes,
        paragraph_words=paragraph_words,
    )


def fingerprint_article(article: Article) -> Fingerprint:
    return fingerprint_paragraphs(article.article_id, article.paragraphs)
