"""Quotations and who said them, in French and English press conventions (pure functions).

Quotes are « … », “ … ” or "…" spans of at least MIN_WORDS words (shorter ones are usually
scare quotes: « priorité absolue »). The speaker comes from the attribution after the quote
(« … », a déclaré Vladimir Poutine / selon M. Poutine / "…", X said) or before it (X a déclaré :
« … » / Selon lui, « … »); a pronoun (a-t-il ajouté, selon lui, he said) is the last named speaker
of the article. Reports of one quote by several outlets are linked by `same_quote`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.text import words

MIN_WORDS = 4
SAME_QUOTE = 0.6   # share of the shorter quote's word 3-grams found in the other

_VERBS = (r"(?:déclaré|dit|affirmé|assuré|ajouté|estimé|souligné|expliqué|indiqué|martelé|lancé|poursuivi|abondé|"
          r"insisté|répondu|prévenu|averti|annoncé|confié|écrit|précisé|noté|jugé|rappelé|promis|salué|remercié|"
          r"déclare|dit|affirme|assure|ajoute|estime|souligne|explique|indique|poursuit|insiste|répond|lance|"
          r"said|says|added|told|stated|declared|noted|explained|warned|insisted|wrote|asked)")
_NAME = (r"(?:(?:M\.|Mme|MM\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|President|Président)\s+)?"
         r"[A-ZÀ-Ý][\w’'-]+(?:\s+(?:de\s+|du\s+|von\s+|van\s+|bin\s+|al-)?[A-ZÀ-Ý][\w’'-]+){0,3}")
_PRONOUN = r"(?:il|elle|lui|he|she)"
_QUOTE = re.compile(r"«\s*(?P<fr>[^«»]+?)\s*»|“(?P<en>[^“”]+?)”|\"(?P<plain>[^\"]+?)\"")
_LOWER = r"[a-zàâçéèêëîïôûùüÿœ]+"
_AFTER = [
    re.compile(rf"^\s*[,.]?\s*(?:a|avait|ont)\s+{_VERBS}\s+(?P<name>{_NAME})"),
    re.compile(rf"^\s*[,.]?\s*(?:a|avait)-t-(?P<pronoun>il|elle)\s+{_LOWER}"),
    re.compile(rf"^\s*[,.]?\s*{_LOWER}(?:-t)?-(?P<pronoun>il|elle)\b"),
    re.compile(rf"^\s*[,.]?\s*selon\s+(?:(?P<pronoun>lui|elle)\b|(?:l['’])?(?P<name>{_NAME}))"),
    # any verb then a capitalised name: "», conclut Fabrice Delloye", "», avait confessé Ingrid Betancourt"
    re.compile(rf"^\s*,\s*(?:(?:a|avait|ont|aurait)\s+)?(?:(?:encore|aussi|ainsi|alors|enfin)\s+)?{_LOWER}\s+"
               rf"(?:(?:les|le|la)\s+|l['’])?(?P<name>{_NAME})"),
    re.compile(rf"^\s*[,.]?\s*(?P<name>{_NAME})\s+{_VERBS}\b"),
    re.compile(rf"^\s*[,.]?\s*(?:(?P<pronoun>he|she)\s+{_VERBS}|{_VERBS}\s+(?P<name2>{_NAME}))"),
]
# An attribution inside the quote: «Les plaisirs …, raconte son amie Anne-Colombe de la Taille. Il …»
_INCISE = re.compile(rf",\s*(?:a\s+)?{_LOWER}(?:-t-(?P<pronoun>il|elle))?\s+(?:(?:son|sa|ses|leur)\s+{_LOWER}\s+)?"
                     rf"(?:(?:les|le|la)\s+|l['’])?(?P<name>{_NAME})?\s*[.,]")
_BEFORE = [
    re.compile(rf"(?P<name>{_NAME})\s+(?:a|avait)\s+(?:\w+\s+)?{_LOWER}(?:\s+que)?[^«“\".]{{0,80}}[:,]?\s*$"),
    re.compile(rf"(?:[Ss]elon|[Pp]our)\s+(?:(?P<pronoun>lui|elle)|(?:l['’])?(?P<name>{_NAME}))\s*[:,]\s*$"),
    re.compile(rf"(?P<name>{_NAME})\s+{_VERBS}\s*[:,]\s*$"),
    re.compile(rf"\b(?P<pronoun>[Ii]l|[Ee]lle|[Hh]e|[Ss]he)\s+(?:a\s+)?{_VERBS}(?:\s+que)?[^«“\".]{{0,60}}[:,]?\s*$"),
]
_SPEAKER_VERB = re.compile(rf"(?P<name>{_NAME})\s+(?:a|avait)\s+{_VERBS}")
_NOT_NAMES = {"Le", "La", "Les", "Un", "Une", "Il", "Elle", "Selon", "Pour", "De", "Du", "Des", "Et", "The", "He", "She"}


@dataclass(frozen=True)
class Quote:
    position: int        # paragraph
    start: int           # character offset in the paragraph
    text: str
    speaker: str | None


def _speaker(match: re.Match[str] | None, context: str | None) -> str | None:
    """The speaker an attribution match names, or `context` for a pronoun."""
    if match is None:
        return None
    groups = match.groupdict()
    name = groups.get("name") or groups.get("name2")
    if name and name.split()[0] not in _NOT_NAMES:
        return _clean_name(name)
    return context if groups.get("pronoun") else None


def _clean_name(name: str) -> str:
    return re.sub(r"^(?:M\.|Mme|MM\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+", "", name.strip())


def extract_quotes(paragraphs: list[str]) -> list[Quote]:
    """Quotes of an article in order, with speakers resolved as described above."""
    quotes: list[Quote] = []
    last: str | None = None
    for position, paragraph in enumerate(paragraphs):
        for m in _QUOTE.finditer(paragraph):
            text = (m.group("fr") or m.group("en") or m.group("plain") or "").strip()
            if len(text.split()) < MIN_WORDS:
                continue
            after = paragraph[m.end(): m.end() + 120]
            before = paragraph[max(0, m.start() - 160): m.start()]
            earlier = [n for n in _SPEAKER_VERB.finditer(paragraph, 0, m.start())
                       if n.group("name").split()[0] not in _NOT_NAMES]
            context = _clean_name(earlier[-1].group("name")) if earlier else last   # what a pronoun refers to
            speaker = None
            for pattern in _AFTER:
                speaker = _speaker(pattern.match(after), context)
                if speaker:
                    break
            if not speaker:
                for pattern in _BEFORE:
                    speaker = _speaker(pattern.search(before), context)
                    if speaker:
                        break
            if not speaker:
                incise = _INCISE.search(text[:200])
                if incise and (incise.group("name") or incise.group("pronoun")):
                    speaker = _speaker(incise, context)
            if not speaker:
                # "Kim a affirmé que ... «...»": the nearest named speaker earlier in the paragraph,
                # after the previous quote.
                floor = quotes[-1].start + len(quotes[-1].text) if quotes and quotes[-1].position == position else 0
                named_here = [n for n in _SPEAKER_VERB.finditer(paragraph, floor, m.start())
                              if n.group("name").split()[0] not in _NOT_NAMES]
                if named_here:
                    speaker = _clean_name(named_here[-1].group("name"))
            if not speaker and quotes and quotes[-1].position == position and m.start() - quotes[-1].start < 400:
                speaker = quotes[-1].speaker       # a quote continued in the same paragraph
            quotes.append(Quote(position, m.start(), text, speaker))
            last = speaker or last
        # A named speaker outside quotes ("Kim Jong-un a déclaré que ...") sets the context too.
        named_speakers = [n for n in _SPEAKER_VERB.finditer(paragraph) if n.group("name").split()[0] not in _NOT_NAMES]
        if named_speakers and (not quotes or quotes[-1].position != position
                               or named_speakers[-1].start() > quotes[-1].start):
            last = _clean_name(named_speakers[-1].group("name"))
    return quotes


def _shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i: i + 3]) for i in range(max(1, len(w) - 2))}


def same_quote(a: str, b: str) -> bool:
    """Two reports of one quote: most word 3-grams of the shorter one are in the other."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return False
    return len(sa & sb) / min(len(sa), len(sb)) >= SAME_QUOTE
