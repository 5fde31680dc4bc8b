"""People, places and organisations mentioned in articles (spaCy's fr_core_news_sm NER), with
name variants merged into one entity.

Merging is by a key, not by name lists: titles and leading common nouns dropped ("M. Kim",
"cosmodrome de Vostotchny"), accents, case, hyphens and apostrophes folded, and the usual
French/English transliteration differences of Russian and Korean names folded (tch/ch, ou/u, a
final -e): "Kim Jong-un", "Kim Jong Un" and "Kim Jong-Un" share a key, as do "Vostotchny" and
"Vostochny", "Poutine" and "Putin". A one-word mention ("Kim", "Poutine") is the entity of the
same article whose first or last word it is ("Kim Jong Un", "Vladimir Poutine").

Issue 15 (measured in bench/RESULTS.md): names are cut at punctuation, an acronym or a unique
prefix joins the fuller name of its kind, a few countries' other names share the usual name's key
(COUNTRY_ALIASES), capitalised common words and demonyms are not places (the model's
part-of-speech tags and lemma index, the article's own lower-case words), and a one-word person
the model's beam search half takes for a place is one ("selon Washington").

The model ran at ~17 articles/s on one core before issue 15 (the part-of-speech tagger and the beam
on candidate paragraphs cost 15–30% more CPU), slower than extraction: this is an enrichment
stage (warehouse/enrich.py), never part of ingest.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from tasks.text import strip_accents

MODEL = "fr_core_news_sm"
KINDS = {"PER": "person", "LOC": "place", "ORG": "organisation"}
_TITLES = re.compile(r"^(?:M\.|MM\.|Mme|Mmes|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Pr\.?|président|présidente|president|"
                     r"ministre|general|général|le|la|les|l[’'])\s+", re.I)
_FOLDS = (("tch", "ch"), ("ou", "u"), ("kh", "h"), ("sh", "ch"), ("y", "i"))


@dataclass(frozen=True)
class Mention:
    position: int     # paragraph
    start: int        # character offset in the paragraph
    surface: str      # as written
    kind: str         # person, place, organisation
    key: str          # merge key


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    # The morphologizer gives the part of speech the common-word test reads; it costs little, since
    # the shared tok2vec it reads ran anyway (the NER has a tok2vec of its own).
    return spacy.load(MODEL, disable=["parser", "lemmatizer", "senter"])


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """The common nouns and adjectives the model's lemmatizer knows (its lemma index)."""
    nlp = _nlp()
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    strings = nlp.vocab.strings
    return frozenset(index[strings["noun"]]), frozenset(index[strings["adj"]])


def _fold_token(token: str) -> str:
    token = strip_accents(token.casefold())
    for a, b in _FOLDS:
        token = token.replace(a, b)
    if len(token) > 4 and token.endswith("e") and token[-2] not in "aeiu":
        token = token[:-1]          # Poutine → putin, like Putin
    return token


def entity_key(surface: str, alias: bool = True) -> str:
    """The merge key of a name as written ('' when it is not a usable name); with `alias`, a country's
    other names get the key of its usual name (COUNTRY_ALIASES)."""
    text = surface.strip(" ,.;:’'\"«»()")
    while True:
        stripped = _TITLES.sub("", text)
        if stripped == text:
            break
        text = stripped
    tokens = re.split(r"[\s\-’']+", text)
    while tokens and tokens[0] and tokens[0][0].islower():     # "cosmodrome de Vostotchny" → "Vostotchny"
        tokens = tokens[1:]
    tokens = [t for t in tokens if re.search(r"\w", t)]
    if not tokens or not any(len(t) >= 2 and t[0].isupper() for t in tokens):
        return ""
    key = " ".join(_fold_token(t) for t in tokens)
    if len(key.replace(" ", "")) < 3:
        return ""
    return _country_aliases().get(key, key) if alias else key


# Other names of a country that no rule derives from its usual French name (acronyms are derived,
# see _acronym_of, but "RPDC" and "Corée du Nord" share no letters to match). Countries only: a
# closed, stable list, not names of the articles at hand.
COUNTRY_ALIASES = {
    "Corée du Nord": ["RPDC", "République populaire démocratique de Corée", "North Korea"],
    "Corée du Sud": ["République de Corée", "South Korea"],
    "Etats-Unis": ["USA", "Etats-Unis d'Amérique", "United States"],
    "Royaume-Uni": ["United Kingdom"],
    "Chine": ["RPC", "République populaire de Chine"],
    "Russie": ["Fédération de Russie"],
    "Allemagne": ["RFA", "République fédérale d'Allemagne"],
    "Iran": ["République islamique d'Iran"],
}


@lru_cache(maxsize=1)
def _country_aliases() -> dict[str, str]:
    """Alias key → the key of the country's usual name (keys folded like any name's)."""
    def fold(name: str) -> str:
        return " ".join(_fold_token(t) for t in re.split(r"[\s\-’']+", name) if t)

    return {fold(alias): fold(name) for name, aliases in COUNTRY_ALIASES.items() for alias in aliases}


def entity_id(key: str) -> str:
    """One entity per key, whatever label the model gave a mention (it calls the same cosmodrome a
    place here and an organisation there); the entity keeps the first kind seen."""
    return "e_" + hashlib.sha256(key.encode()).hexdigest()[:12]


# The complement of a title is part of the title, not a place or organisation: "ministre de la Santé",
# "secrétaire d'Etat à la Famille", "garde des Sceaux", "chef de l'Etat".
_TITLE_COMPLEMENT = re.compile(r"\b(?i:ministres?|ministère|secrétaire d['’][EÉ]tat|secrétaire|garde|chef|chefs d['’]Etat et)"
                               r"(?:\s+[a-zàâçéèêëîïôûùüÿœ-]+)?\s+(?:de\s+la|de\s+l['’]|du|des|à\s+la|au|aux|d['’]|de)\s*$")
_TITLE_START = re.compile(r"^(?:ministre|ministres|secrétaire|garde|chef)\s", re.I)
# People named by their nationality: "les Français", "les Britanniques", "l'Américain"
_DEMONYM_PLURAL = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:ais|aises|ains|aines|iens|iennes|ois|oises|éens|éennes|iques|ands|andes)$")
_DEMONYM = re.compile(r"(?:\b[Ll]e\s+|\b[Ll]['’]|\b[Uu]n\s+)$")
_DEMONYM_SINGULAR = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:ais|ain|ois|ien|éen|and)$")
_NOT_ENTITIES = {"etat"}      # l'Etat: the state in general


def _not_a_name(text: str, start: int, surface: str, kind: str) -> bool:
    """Spans the model labels that are not a place or organisation name (titles, demonyms, l'Etat)."""
    if kind == "person":
        return False
    before = text[max(0, start - 60): start]
    if _TITLE_COMPLEMENT.search(before) or _TITLE_START.match(surface) or entity_key(surface) in _NOT_ENTITIES:
        return True
    return kind == "place" and bool(_DEMONYM_PLURAL.match(surface)
                                    or (_DEMONYM_SINGULAR.match(surface) and _DEMONYM.search(before)))


# A name ends at a punctuation mark the model sometimes runs across ("Ukraine – qu’il", "Kim, Poutine"):
# a dash between spaces, quotes, brackets, a comma, a semicolon or colon.
_NAME_END = re.compile(r"\s+[–—-]\s|\s*[«»\"“”„,;:()\[\]]")
# ... or at a trailing elided word ("qu’", "l’", "lorsqu’"), which begins the next words, not the name.
_TRAILING_CLITIC = re.compile(r"\s+\w{1,7}[’']$")
# A place after a locative preposition is a place even when it is also a common word ("à Tours",
# "dans le Lot", "à la Réunion", "dans le Pacifique").
_LOCATIVE = re.compile(r"(?:^|\s)(?:à|au|aux|en|dans|vers|depuis|sur)(?:\s+(?:la|le|les|l['’]))?\s*$", re.I)
_FEMININE_ARTICLE = re.compile(r"(?:^|\s)(?:la|une)\s+$", re.I)
_FUNCTION_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "a", "au", "aux", "pour", "sur",
                   "contre", "dans", "par"}
_TITLED = re.compile(r"(?:\b(?:M|MM|Mme|Mmes|Dr|Me)\.?|\b(?:président|présidente|ministre|général))\s+$")
# A one-word person never given a first name or title is a place when the model itself, in a beam
# search of the paragraph, gives that span the place label with at least this probability (the
# capital for its government: "selon Washington", "Washington craint"). Measured on RPM2, see
# bench/RESULTS.md (issue 15).
PLACE_PROBABILITY = 0.2
_BEAM_WIDTH = 16


def _trim(text: str, start: int, surface: str) -> tuple[int, str]:
    """The mention cut to the name: a hyphenated word the span stops inside is completed
    ("Kim Jong" of "Kim Jong-un"), and the span ends at punctuation or before a trailing elision."""
    end = start + len(surface)
    if surface[-1:].isalnum():
        tail = re.match(r"(?:-\w+)+", text[end:])
        if tail:
            surface += tail.group()
    lead = len(surface) - len(surface.lstrip(" «»\"“”„([-–—"))
    start, surface = start + lead, surface[lead:]
    cut = _NAME_END.search(surface)
    if cut:
        surface = surface[:cut.start()]
    while _TRAILING_CLITIC.search(surface):
        surface = _TRAILING_CLITIC.sub("", surface)
    return start, surface.rstrip()


def _common_word(doc, start: int, surface: str, lowercase_words: set[str]) -> bool:
    """A one-word place that is a common noun or adjective written with a capital (a demonym such
    as "Nord-coréen", a ministry's "Industrie", a cardinal "Sud"): the article writes it in lower
    case elsewhere, or the model's lexicon knows it as an adjective, or as a noun the model also
    tags as a noun or adjective here. Not after a locative preposition ("à Tours", "dans le Lot"); an
    adjective after a feminine article is a country ("la Suisse", even beside "Radio suisse"), after a
    masculine one a demonym ("le Belge", "l'Espagnol")."""
    span = doc.char_span(start, start + len(surface), alignment_mode="expand")
    if span is None or " " in surface or _LOCATIVE.search(doc.text[max(0, start - 20):start]):
        return False
    word = surface.casefold()
    nouns, adjectives = _lexicon()
    pos = {t.pos_ for t in span if t.is_alpha}
    feminine = _FEMININE_ARTICLE.search(doc.text[max(0, start - 10):start])
    return (((word in lowercase_words or word in adjectives) and not feminine) or "ADJ" in pos
            or ("NOUN" in pos and word in nouns))


def _place_probability(doc, start: int, end: int) -> float:
    """The probability the model's NER gives the span [start, end) (characters) the place label, in a
    beam search over the paragraph."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return 0.0
    return _beam_scores(doc.text).get((span.start, span.end, "LOC"), 0.0)


@lru_cache(maxsize=64)
def _beam_scores(text: str) -> dict[tuple[int, int, str], float]:
    """(first token, end token, label) → probability, from a beam search of the paragraph (once per
    paragraph, however many candidates it has)."""
    nlp = _nlp()
    ner = nlp.get_pipe("ner")   # on a fresh doc: the beam starts from a doc's entities when it has some
    (scores,) = ner.scored_ents(ner.beam_parse([nlp.make_doc(text)], beam_width=_BEAM_WIDTH))
    return dict(scores)


def _initials(key: str) -> str:
    """First letters of a key's words, function words left out (keys are folded: "contre" → "contr")."""
    skip = {_fold_token(w) for w in _FUNCTION_WORDS} | _FUNCTION_WORDS
    return "".join(w[0] for w in key.split() if w not in skip and len(w) > 1)


def _acronym_of(surface: str, key: str, longer: list[str]) -> str | None:
    """The one longer name of the list whose initials the acronym spells (RPDC = République
    populaire démocratique de Corée, AFLD = Agence française de lutte contre le dopage)."""
    letters = re.sub(r"[.\s]", "", surface)
    if " " in key or not letters.isalpha() or not (letters.isupper() and len(letters) >= 2 or len(letters) >= 3):
        return None
    fits = [k for k in longer if " " in k and _initials(k) == strip_accents(letters.casefold())]
    return fits[0] if len(fits) == 1 else None


def prefixed_by(key: str, longer: list[str], counts: Counter[str]) -> str | None:
    """The one longer name whose first words are the name's ("Kim Jong" → "Kim Jong-un"), if it is
    mentioned more often: a shortening is rarer than the name it shortens, while "Crédit Agricole"
    or "Robert A. Day" named more often than "Crédit Agricole SA" or "Robert A. Day Foundation" are
    names of their own."""
    words = key.split()
    fits = [k for k in longer if len(k.split()) > len(words) and k.split()[:len(words)] == words]
    if len(fits) != 1 or counts[fits[0]] <= counts[key]:
        return None
    return fits[0]


def merge_variants(mentions: list[Mention]) -> list[Mention]:
    """Mentions of an article with variant names moved to the fuller name of the same kind, when only
    one fits: an acronym to the name whose initials it spells, a name to the one longer name it is
    the beginning of; then one-word names to the most mentioned longer name whose first or last word
    they are."""
    kinds: dict[str, Counter[str]] = {}
    for m in mentions:
        kinds.setdefault(m.key, Counter())[m.kind] += 1
    kind_of = {key: min(c, key=lambda k: (-c[k], k)) for key, c in kinds.items()}
    counts = Counter(m.key for m in mentions)
    target: dict[str, str] = {}
    for m in mentions:
        same = [k for k in kind_of if k != m.key and kind_of[k] == kind_of[m.key]]
        fuller = _acronym_of(m.surface, m.key, same) or (
            prefixed_by(m.key, same, counts) if " " in m.key else None)
        if fuller:
            target[m.key] = fuller

    def final(key: str) -> str:
        seen = {key}
        while key in target and target[key] not in seen:
            key = target[key]
            seen.add(key)
        return key

    merged = [Mention(m.position, m.start, m.surface, m.kind, final(m.key)) for m in mentions]
    full = [m.key for m in merged if " " in m.key]
    resolved = []
    for m in merged:
        if " " not in m.key:
            longer = Counter(k for k in full if m.key in (k.split()[0], k.split()[-1]))
            if longer:
                m = Mention(m.position, m.start, m.surface, m.kind, longer.most_common(1)[0][0])
        resolved.append(m)
    return resolved


def extract_mentions(paragraphs: list[str]) -> list[Mention]:
    """Named-entity mentions of an article, names cut at punctuation, common words dropped, one-word
    people that the model itself half takes for places made places, and variants merged
    (merge_variants)."""
    nlp = _nlp()
    lowercase_words = {w for p in paragraphs for w in re.findall(r"\b[a-zà-ÿœ][\w-]*", p)}
    found: list[Mention] = []
    docs = list(nlp.pipe(paragraphs))
    for position, doc in enumerate(docs):
        for ent in doc.ents:
            kind = KINDS.get(ent.label_)
            if not kind:
                continue
            start, surface = _trim(doc.text, ent.start_char, ent.text)
            if not surface or _not_a_name(doc.text, start, surface, kind):
                continue
            if kind == "place" and _common_word(doc, start, surface, lowercase_words):
                continue
            key = entity_key(surface)
            if key:
                found.append(Mention(position, start, surface, kind, key))
    return merge_variants(_persons_that_are_places(found, docs, lowercase_words))


def _persons_that_are_places(found: list[Mention], docs: list, lowercase_words: set[str]) -> list[Mention]:
    """One-word people with no first name or title in the article ("Washington") become places when
    the model's own place probability for their mentions averages PLACE_PROBABILITY or more (and
    are dropped if that place is a common word, like a capitalised "Mercredi")."""
    words = {w for m in found if m.kind == "person" and " " in m.key for w in (m.key.split()[0], m.key.split()[-1])}
    candidates: dict[str, list[Mention]] = {}
    for m in found:
        if m.kind == "person" and " " not in m.key and m.key not in words:
            candidates.setdefault(m.key, []).append(m)
    places = set()
    for key, ms in candidates.items():
        if any(_TITLED.search(docs[m.position].text[max(0, m.start - 20):m.start]) for m in ms):
            continue
        p = sum(_place_probability(docs[m.position], m.start, m.start + len(m.surface)) for m in ms) / len(ms)
        if p >= PLACE_PROBABILITY:
            places.add(key)
    kept = []
    for m in found:
        if m.key in places and m.kind == "person":
            if _common_word(docs[m.position], m.start, m.surface, lowercase_words):
                continue
            m = Mention(m.position, m.start, m.surface, "place", m.key)
        kept.append(m)
    return kept


def speaker_keys(speaker: str) -> list[str]:
    """The merge keys a quote's speaker may go by, best first: its own key, then shorter endings
    ("Défense Juan Manuel Santos" → "juan manuel santo"; "Me Jean Veil" → "jean veil")."""
    tokens = entity_key(speaker).split()
    return [" ".join(tokens[i:]) for i in range(len(tokens)) if len(" ".join(tokens[i:])) >= 3]


def speaker_entity(speaker: str, known: dict[str, tuple[str, int]]) -> str | None:
    """The entity a speaker names among `known` (key → (entity_id, mentions)): the entity of its key
    or of a longer key ending it, or, for one word, the most mentioned entity whose name it is the
    first or last word of ("Kim" → Kim Jong Un); None when no entity fits."""
    keys = speaker_keys(speaker)
    for key in keys:
        if key in known:
            return known[key][0]
    if len(keys) == 1 and " " not in keys[0]:
        word = keys[0]
        fits = [(n, eid) for key, (eid, n) in known.items() if " " in key and word in (key.split()[0], key.split()[-1])]
        if fits:
            return max(fits)[1]
    return None
