"""A deterministic synthetic news corpus built from the real evaluation corpora, for scale benchmarks.

    .venv/bin/python bench/corpus.py DEST --n 100000 [--seed 0] [--copy-rate 0.3]

Base texts: the 200 RPM2 French articles (headline + body) and the 990 annotated pages of the
extraction corpus, read and cleaned once by the pipeline's own reader (trafilatura) and cached in
bench/out/corpus_base.json. From them `generate(n, seed)` yields articles, one at a time:

- *new* articles belong to a story. A story has a seed base text (at least 300 words), a language
  (the seed's), a date (uniform over 2016-2025) and a label; its articles are dated within weeks of
  it. An article is 3-12 paragraphs of 15-75 words, each made of runs of 3-8 consecutive words of
  the language's base texts (35% of the runs from the story's seed text, the rest from anywhere),
  with 8% of the words replaced (half by words of the seed text, half by any word of the language).
  Why runs and not whole sentences: with ~1,200 base texts, 100,000 articles reuse every sentence
  dozens of times, and two unrelated articles sharing a sentence share enough 5-grams to become
  candidate pairs of any shingle-based detector (36 candidate pairs per article at 20,000 articles
  with sentence recombination, 1.3 with runs, half of them true copies). Short runs keep text
  statistics (word frequencies, a story's vocabulary) but not long shared passages: the word
  5-gram Jaccard between two new articles stays below 0.15 (the check asks < 0.5). The text reads
  as word salad; it is made for measuring copy detection, clustering and loads, not for reading.
- *near-copies* (`copy_rate` of the articles) are small edits of one of the last 5,000 generated
  articles (new or copy): word substitutions, insertions and deletions at a rate of 0-4% (word
  5-gram Jaccard with the original spreads over ~0.6-1.0), sometimes a paragraph dropped or added,
  typography changed (quotes, apostrophes, ellipses). Ground truth: `copy_of` (the article edited)
  and the original's story; dated 0-3 days after it, under another outlet.

Articles carry a unique id, a title, an outlet (a pool of 300 fake names) and a publication date.
The sequence is prefix-stable: the first k articles of generate(n) are those of generate(k). Two
stories may share a seed text (there are ~1,200 seeds): they differ by date, so story labels are
the truth of "same event", not of "same topic".

`write_files` renders them in the scraped-text format tasks/documents/read.py parses (seeds/ files):

    date 2019-03-14
    Title of the article
    Le Courrier de Lyon
    <blank line>
    First paragraph. ...

which carries the date (day precision), title and outlet (site_name) into the pipeline. Files are
sharded 1,000 per folder (`00000/a0000000.txt`, sorted by name = generation order) with a
`truth.csv` beside them (id, path, copy_of, story, outlet, published, language).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tasks.documents.clean import clean_document  # noqa: E402
from tasks.documents.read import InputFile, read_input  # noqa: E402
from tasks.models import Failure, Line, RawDocument  # noqa: E402
from tasks.text import clean_line  # noqa: E402

SHARED_EVAL = ROOT.parent / "shared" / "eval"
RPM2_DOCS = SHARED_EVAL / "clustering" / "rpm2" / "documents"
EXTRACTION = SHARED_EVAL / "extraction"
CACHE = ROOT / "bench" / "out" / "corpus_base.json"
CACHE_VERSION = 2

NEW_STORY_RATE = 0.35  # share of new articles that open a story (the others join an open one)
OPEN_STORIES = 400  # stories a new article may join
SEED_SHARE = 0.35  # share of a new article's word runs taken from its story's seed text
NEW_WORD_EDIT = 0.08  # share of words replaced in a new article
COPY_SOURCES = 5_000  # a near-copy edits one of the last COPY_SOURCES articles
COPY_MAX_EDIT = 0.04  # word edit rate of a near-copy, uniform in [0, COPY_MAX_EDIT]
FIRST_DAY = date(2016, 1, 1)
DAYS = 3_653  # ten years
PER_FOLDER = 1_000


@dataclass(frozen=True)
class BaseText:
    """A real article the corpus is made of."""

    title: str
    paragraphs: tuple[str, ...]
    language: str
    origin: str  # "rpm2/<file>" or "extraction/<file>"


@dataclass(frozen=True)
class SynthArticle:
    """A generated article and its ground truth."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    outlet: str
    published: date
    language: str
    story: str
    copy_of: str | None  # id of the article this one is a near-copy of

    def text(self) -> str:
        """The article in the scraped-text format of tasks/documents/read.py (date marker, title, outlet)."""
        return f"date {self.published.isoformat()}\n{self.title}\n{self.outlet}\n\n" + "\n\n".join(self.paragraphs) + "\n"


# --- base texts ----------------------------------------------------------------------------------


def _read_rpm2(path: Path) -> BaseText | None:
    # a few files hold a Windows-1252 apostrophe (0x92) that came through as a C1 control
    text = path.read_bytes().decode("utf-8-sig").replace("\x92", "’").replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_line(t) for t in text.split("\n") if clean_line(t)]
    if len(lines) < 2:
        return None
    raw = RawDocument("rpm2", path.as_uri(), "", [Line(i, t) for i, t in enumerate(lines[1:], 1)], title=lines[0],
                      language="fr")
    article = clean_document(raw)
    return BaseText(lines[0], tuple(article.paragraphs), "fr", f"rpm2/{path.name}") if article.paragraphs else None


def _read_page(path: Path, language: str | None) -> BaseText | None:
    raw = read_input(InputFile("extraction", str(path)))
    if isinstance(raw, Failure):
        return None
    article = clean_document(raw)
    lang = language or article.language
    if not article.paragraphs or not lang:
        return None
    title = article.title or article.paragraphs[0]
    return BaseText(title, tuple(article.paragraphs), lang, f"extraction/{path.name}")


def _require_eval() -> None:
    if not RPM2_DOCS.is_dir() or not (EXTRACTION / "evaldata.json").is_file():
        raise FileNotFoundError(f"{SHARED_EVAL} is absent: put ../shared/eval beside the checkout")


def rpm2_texts() -> list[BaseText]:
    """The 200 RPM2 French articles, cleaned by the pipeline's line rules (fast: no extraction, no cache)."""
    _require_eval()
    return [t for p in sorted(RPM2_DOCS.glob("*.txt")) if (t := _read_rpm2(p))]


def extraction_texts() -> list[BaseText]:
    """The 990 annotated extraction pages, read by the pipeline (trafilatura + cleaning): ~1-2 min."""
    _require_eval()
    evaldata = json.loads((EXTRACTION / "evaldata.json").read_text())
    languages = json.loads((EXTRACTION / "languages.json").read_text())
    texts = []
    for url, entry in sorted(evaldata.items(), key=lambda item: item[1]["file"]):
        page = _read_page(EXTRACTION / "html" / entry["file"], languages.get(url))
        if page:
            texts.append(page)
    return texts


def base_texts(cache: Path = CACHE) -> list[BaseText]:
    """The real articles (RPM2 + extraction pages), cleaned by the pipeline; cached under bench/out/."""
    if cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("version") == CACHE_VERSION:
            return [BaseText(t["title"], tuple(t["paragraphs"]), t["language"], t["origin"]) for t in data["texts"]]
    texts = rpm2_texts() + extraction_texts()
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": CACHE_VERSION, "texts": [
        {"title": t.title, "paragraphs": list(t.paragraphs), "language": t.language, "origin": t.origin} for t in texts
    ]}, ensure_ascii=False))
    tmp.replace(cache)
    return texts


# --- material: word streams per language --------------------------------------------------------

MIN_STREAM_WORDS = 2_000  # languages with less text are left out
MIN_SEED_WORDS = 300  # shorter base texts feed the streams but seed no story


@dataclass
class _Pool:
    """All words of one language's base texts, in order, and the alphabetic ones (substitutes)."""

    words: list[str]
    vocabulary: list[str]


@dataclass
class _Seed:
    title: str
    language: str
    start: int  # the seed text's words are pool.words[start:end]
    end: int


def _material(texts: list[BaseText]) -> tuple[dict[str, _Pool], list[_Seed]]:
    pools: dict[str, _Pool] = {}
    seeds: list[_Seed] = []
    for text in texts:
        pool = pools.setdefault(text.language, _Pool([], []))
        start = len(pool.words)
        for paragraph in text.paragraphs:
            pool.words.extend(paragraph.split())
        pool.vocabulary.extend(w for w in pool.words[start:] if w.isalpha())
        title = _title(text.title)
        if len(pool.words) - start >= MIN_SEED_WORDS and title:
            seeds.append(_Seed(title, text.language, start, len(pool.words)))
    pools = {lang: pool for lang, pool in pools.items() if len(pool.words) >= MIN_STREAM_WORDS}
    return pools, [s for s in seeds if s.language in pools]


def _title(text: str) -> str:
    """A line tasks/documents/read.py takes for a title: at most 30 words, 200 characters, no final . ; ,"""
    words = text.split()[:30]
    title = " ".join(words)[:200].rstrip(" .;,:")
    return title


_MASTHEADS = ["Le Courrier de", "La Gazette de", "Le Journal de", "L'Écho de", "La Dépêche de", "Le Progrès de",
              "Le Républicain de", "La Tribune de", "Le Messager de", "Le Petit Journal de", "La Sentinelle de",
              "The Daily Herald of", "The Evening Post of", "The Chronicle of", "The Observer of", "The Courier of",
              "Der Kurier", "Die Rundschau", "Der Anzeiger", "Die Zeitung", "El Diario de", "La Voz de",
              "El Heraldo de", "Gazeta", "Kurier"]
_PLACES = ["Lyon", "Lille", "Nantes", "Rennes", "Genève", "Liège", "Québec", "Boston", "Leeds", "Dublin", "Bremen",
           "Kassel", "Graz", "Basel", "Sevilla", "Bilbao", "Krakau", "Namur", "Metz", "Brest"]


def outlets(count: int = 300) -> list[str]:
    """`count` fake outlet names (deterministic) that tasks/documents/read.py recognises as site names."""
    names = [f"{masthead} {place}" for masthead in _MASTHEADS for place in _PLACES]
    Random(20161).shuffle(names)
    return names[:count]


# --- generation ----------------------------------------------------------------------------------


def _pick(seq, rng: Random):
    """A random element (random.choice without its per-call overhead; the generator calls it millions of times)."""
    return seq[int(rng.random() * len(seq))]


def _positions(n: int, rate: float, rng: Random) -> list[int]:
    """About `rate` * n random positions in range(n) (stochastic rounding; may repeat)."""
    return [int(rng.random() * n) for _ in range(int(n * rate + rng.random()))] if n else []


_PUNCT = ".,;:!?…»\"”)]'’"


def _swap(old: str, new: str) -> str:
    """`new` (its own punctuation dropped) with the punctuation that ended `old`."""
    new = new.strip(_PUNCT + ",;:(«\"“„") or new
    stripped = old.rstrip(_PUNCT)
    return new + old[len(stripped):] if len(stripped) < len(old) else new


def _substitute(words: list[str], rate: float, vocabulary: list[str], rng: Random) -> None:
    """Replace about `rate` of the words (in place) by vocabulary words."""
    for pos in _positions(len(words), rate, rng):
        words[pos] = _swap(words[pos], _pick(vocabulary, rng))


def _edit(words: list[str], rate: float, vocabulary: list[str], rng: Random) -> list[str]:
    """Substitutions (70%), insertions and deletions (15% each) at about `rate` of the words."""
    for pos in sorted(set(_positions(len(words), rate, rng)), reverse=True):
        op = rng.random()
        if op < 0.7:
            words[pos] = _swap(words[pos], _pick(vocabulary, rng))
        elif op < 0.85:
            words.insert(pos, _pick(vocabulary, rng))
        elif len(words) > 5 and pos < len(words) - 1:
            del words[pos]
    return words


_TYPOGRAPHY = [("’", "'"), ("« ", '"'), (" »", '"'), ("«", '"'), ("»", '"'), ("…", "..."), (" :", ":"), (" ?", "?"),
               ("'", "’"), ("...", "…"), ('"', "»")]


def _typography(paragraph: str, rng: Random) -> str:
    for old, new in rng.sample(_TYPOGRAPHY, 3):
        paragraph = paragraph.replace(old, new)
    return paragraph


def _paragraph(pool: _Pool, seed: _Seed | None, rng: Random) -> str:
    """15-75 words: runs of 3-8 consecutive words of the language's text (SEED_SHARE of them from the
    seed text), NEW_WORD_EDIT of the words replaced (half by words of the seed text), one sentence."""
    words: list[str] = []
    target = 15 + int(rng.random() * 60)
    n = len(pool.words)
    while len(words) < target:
        length = 3 + int(rng.random() * 6)
        if seed is not None and rng.random() < SEED_SHARE:
            start = seed.start + int(rng.random() * (seed.end - seed.start - length))
        else:
            start = int(rng.random() * (n - length))
        words += pool.words[start : start + length]
    for pos in _positions(len(words), NEW_WORD_EDIT, rng):
        if seed is not None and rng.random() < 0.5:
            new = pool.words[seed.start + int(rng.random() * (seed.end - seed.start))]
        else:
            new = _pick(pool.vocabulary, rng)
        words[pos] = _swap(words[pos], new)
    text = " ".join(words).rstrip(_PUNCT + ",;:-–—(«\"“„")
    return text[:1].upper() + text[1:] + "."


@dataclass
class _Story:
    label: str
    seed: _Seed
    day: int


class _Generator:
    def __init__(self, texts: list[BaseText], seed: int, copy_rate: float) -> None:
        self.pools, self.seeds = _material(texts)
        if not self.seeds:
            raise ValueError("no usable base texts")
        self.outlets = outlets()
        self.rng = Random(seed)
        self.seed = seed
        self.copy_rate = copy_rate
        self.stories: list[_Story] = []
        self.story_count = 0
        self.recent: list[SynthArticle] = []

    def article(self, i: int) -> SynthArticle:
        rng = self.rng
        if self.recent and rng.random() < self.copy_rate:
            article = self._copy(f"a{i:07d}", _pick(self.recent, rng))
        else:
            article = self._new(f"a{i:07d}")
        if len(self.recent) < COPY_SOURCES:
            self.recent.append(article)
        else:
            self.recent[i % COPY_SOURCES] = article
        return article

    def _story(self) -> _Story:
        rng = self.rng
        if not self.stories or rng.random() < NEW_STORY_RATE:
            story = _Story(f"s{self.story_count:06d}", _pick(self.seeds, rng), int(rng.random() * DAYS))
            self.story_count += 1
            if len(self.stories) < OPEN_STORIES:
                self.stories.append(story)
            else:
                self.stories[int(rng.random() * OPEN_STORIES)] = story
            return story
        return _pick(self.stories, rng)

    def _new(self, article_id: str) -> SynthArticle:
        rng = self.rng
        story = self._story()
        pool = self.pools[story.seed.language]
        paragraphs = tuple(_paragraph(pool, story.seed, rng) for _ in range(3 + int(rng.random() * 10)))
        title_words = story.seed.title.split()
        _substitute(title_words, 0.1, pool.vocabulary, rng)
        day = min(story.day + int(rng.expovariate(1 / 4)), DAYS + 60)
        return SynthArticle(article_id, _title(" ".join(title_words)) or story.seed.title, paragraphs,
                            _pick(self.outlets, rng), FIRST_DAY + timedelta(days=day), story.seed.language, story.label,
                            None)

    def _copy(self, article_id: str, original: SynthArticle) -> SynthArticle:
        rng = self.rng
        pool = self.pools[original.language]
        rate = rng.uniform(0, COPY_MAX_EDIT)
        paragraphs = [" ".join(_edit(p.split(), rate, pool.vocabulary, rng)) for p in original.paragraphs]
        if len(paragraphs) >= 3 and rng.random() < 0.2:
            del paragraphs[rng.randrange(len(paragraphs))]
        if rng.random() < 0.15:
            paragraphs.insert(rng.randint(0, len(paragraphs)), _paragraph(pool, None, rng))
        if rng.random() < 0.5:
            paragraphs = [_typography(p, rng) for p in paragraphs]
        title = original.title if rng.random() < 0.5 else _title(_typography(original.title, rng)) or original.title
        outlet = _pick(self.outlets, rng)
        while outlet == original.outlet:
            outlet = _pick(self.outlets, rng)
        return SynthArticle(article_id, title, tuple(p for p in paragraphs if p), outlet,
                            original.published + timedelta(days=rng.randint(0, 3)), original.language, original.story,
                            original.id)


def generate(n: int, seed: int = 0, copy_rate: float = 0.3, texts: list[BaseText] | None = None) -> Iterator[SynthArticle]:
    """Yield `n` synthetic articles (ids a0000000, a0000001, ...), deterministic for a seed, prefix-stable."""
    gen = _Generator(base_texts() if texts is None else texts, seed, copy_rate)
    for i in range(n):
        yield gen.article(i)


def article_path(article_id: str, per_folder: int = PER_FOLDER) -> str:
    """Relative path of an article's file: sharded `per_folder` files to a folder."""
    return f"{int(article_id[1:]) // per_folder:05d}/{article_id}.txt"


def write_files(dest: Path, n: int, seed: int = 0, copy_rate: float = 0.3, per_folder: int = PER_FOLDER,
                texts: list[BaseText] | None = None) -> Path:
    """Write `n` articles as .txt files under `dest` (sharded) and the ground truth; return truth.csv's path."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    truth = dest / "truth.csv"
    made: set[str] = set()
    with open(truth, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "path", "copy_of", "story", "outlet", "published", "language"])
        for article in generate(n, seed, copy_rate, texts):
            rel = article_path(article.id, per_folder)
            folder = rel.split("/", 1)[0]
            if folder not in made:
                (dest / folder).mkdir(exist_ok=True)
                made.add(folder)
            (dest / rel).write_text(article.text(), encoding="utf-8")
            writer.writerow([article.id, rel, article.copy_of or "", article.story, article.outlet,
                             article.published.isoformat(), article.language])
    return truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--copy-rate", type=float, default=0.3)
    args = parser.parse_args()
    start = time.perf_counter()
    texts = base_texts()
    loaded = time.perf_counter()
    truth = write_files(args.dest, args.n, args.seed, args.copy_rate)
    done = time.perf_counter()
    print(f"base texts: {len(texts)} ({loaded - start:.1f} s); wrote {args.n} articles in {done - loaded:.1f} s; "
          f"ground truth: {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
