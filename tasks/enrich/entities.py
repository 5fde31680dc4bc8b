"""People, places and organisations mentioned in articles (spaCy's fr_core_news_sm NER), with
name variants merged into one entity.

Merging is by a key, not by name lists: titles and leading common nouns dropped ("M. Kim",
"cosmodrome de Vostotchny"), accents, case, hyphens and apostrophes folded, and the usual
French/English transliteration differences of Russian and Korean names folded (tch/ch, ou/u, a
final -e): "Kim Jong-un", "Kim Jong Un" and "Kim Jong-Un" share a key, as do "Vostotchny" and
"Vostochny", "Poutine" and "Putin". A one-word mention ("Kim", "Poutine") is the entity of the
same article whose first or last word it is ("Kim Jong Un", "Vladimir Poutine").

The model runs at ~17 articles/s on one core, slower than extraction: this is an enrichment
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

    return spacy.load(MODEL, disable=["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])


def _fold_token(token: str) -> str:
    token = strip_accents(token.casefold())
    for a, b in _FOLDS:
        token = token.replace(a, b)
    if len(token) > 4 and token.endswith("e") and token[-2] not in "aeiu":
        token = token[:-1]          # Poutine → putin, like Putin
    return token


def entity_key(surface: str) -> str:
    """The merge key of a name as written ('' when it is not a usable name)."""
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
    return key if len(key.replace(" ", "")) >= 3 else ""


def entity_id(key: str) -> str:
    """One entity per key, whatever label the model gave a mention (it calls the same cosmodrome a
    place here and an organisation there); the entity keeps the first kind seen."""
    return "e_" + hashlib.sha256(key.encode()).hexdigest()[:12]


# The complement of a title is part of the title, not a place or organisation: "ministre de la Santé",
# "secrétaire d'Etat à la Famille", "garde des Sceaux", "chef de l'Etat".
_TITLE_COMPLEMENT = re.compile(r"\b(?:ministres?|ministère|secrétaire d['’][EÉ]tat|secrétaire|garde|chef|chefs d['’]Etat et)"
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


def extract_mentions(paragraphs: list[str]) -> list[Mention]:
    """Named-entity mentions of an article, with one-word names resolved to a longer name of the
    same article."""
    nlp = _nlp()
    found: list[Mention] = []
    for position, doc in enumerate(nlp.pipe(paragraphs)):
        for ent in doc.ents:
            kind = KINDS.get(ent.label_)
            key = entity_key(ent.text) if kind and not _not_a_name(doc.text, ent.start_char, ent.text, kind) else ""
            if key:
                found.append(Mention(position, ent.start_char, ent.text, kind, key))
    full = [m.key for m in found if " " in m.key]
    resolved = []
    for m in found:
        if " " not in m.key:
            longer = Counter(k for k in full if m.key in (k.split()[0], k.split()[-1]))
            if longer:
                m = Mention(m.position, m.start, m.surface, m.kind, longer.most_common(1)[0][0])
        resolved.append(m)
    return resolved


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
