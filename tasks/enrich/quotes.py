"""Quotations and who said them, in French and English press conventions (pure functions).

Quotes are « … », “ … ” or "…" spans of at least MIN_WORDS words (shorter ones are usually
scare quotes: « priorité absolue »). The speaker comes from the attribution after the quote
(« … », a déclaré Vladimir Poutine / selon M. Poutine / "…", X said) or before it (X a déclaré :
« … » / Selon lui, « … »). Pronouns and roles are resolved across sentences and paragraphs by
following the people the article names (`_People`): "a-t-elle ajouté", "Il a estimé que « … »"
→ the last woman / man named as a subject or speaker before that sentence; "a affirmé la ministre
de la Santé", "le premier ministre" → the person last introduced with that role ("la ministre de
l'Economie Christine Lagarde"), else the last person of the determiner's gender. Genders come from
titles (M., Mme) and first names. Reports of one quote by several outlets are linked by `same_quote`.
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
          r"conclut|résume|raconte|confie|reconnaît|reconnu|commente|dénonce|regrette|souligné|"
          r"soutient|révélé|précise|suppute|évoque|invite|interrogeait|demandé|exhorté|conclu|plaidé|réagi|"
          r"said|says|added|told|stated|declared|noted|explained|warned|insisted|wrote|asked)")
_NAME = (r"(?:(?:M\.|Mme|MM\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|President|Président)\s+)?"
         r"[A-ZÀ-Ý][\w’'-]+(?:\s+(?:de\s+|du\s+|von\s+|van\s+|bin\s+|al-)?[A-ZÀ-Ý][\w’'-]+){0,3}")
_PRONOUN = r"(?:il|elle|lui|he|she)"
_QUOTE = re.compile(r"«\s*(?P<fr>[^«»]+?)\s*»|“(?P<en>[^“”]+?)”|\"(?P<plain>[^\"]+?)\"")
_LOWER = r"[a-zàâçéèêëîïôûùüÿœ]+"
# "a souligné hier Jean Leonetti", "assure à l'AFP Fabrice Delloye", "a annoncé vendredi la ministre"
_WHEN = (r"(?:(?:hier|aujourd['’]hui|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|soir|matin|encore|aussi|"
         r"(?:à|au)\s+(?:l['’])?[A-Z]{2,}\w*)\s+){0,2}")
_AFTER = [
    re.compile(rf"^\s*[,.]?\s*(?:a|avait|ont)\s+{_VERBS}\s+{_WHEN}(?P<name>{_NAME})"),
    re.compile(rf"^\s*[,.]?\s*(?:a|avait)-t-(?P<pronoun>il|elle)\s+{_LOWER}"),
    re.compile(rf"^\s*[,.]?\s*{_LOWER}(?:-t)?-(?P<pronoun>il|elle)\b"),
    re.compile(rf"^\s*[,.]?\s*selon\s+(?:(?P<pronoun>lui|elle)\b|(?:l['’])?(?P<name>{_NAME}))"),
    # any verb then a capitalised name: "», conclut Fabrice Delloye", "», avait confessé Ingrid Betancourt"
    re.compile(rf"^\s*,\s*(?:(?:a|avait|ont|aurait)\s+)?(?:(?:encore|aussi|ainsi|alors|enfin)\s+)?{_LOWER}\s+{_WHEN}"
               rf"(?:(?:les|le|la)\s+|l['’])?(?P<name>{_NAME})"),
    re.compile(rf"^\s*[,.]?\s*(?P<name>{_NAME})\s+{_VERBS}\b"),
    re.compile(rf"^\s*[,.]?\s*(?:a|avait)\s+{_VERBS}\s*,[^,«»\"]{{1,40}},\s*(?:(?:son|sa|le|la)\s+{_LOWER}\s*,\s*)?(?P<name>{_NAME})"),
    re.compile(rf"^\s*[,.]?\s*(?:(?P<pronoun>he|she)\s+{_VERBS}|{_VERBS}\s+(?P<name2>{_NAME}))"),
]
# An attribution inside the quote: «Les plaisirs …, raconte son amie Anne-Colombe de la Taille. Il …»
_INCISE = re.compile(rf",\s*(?:a\s+)?{_LOWER}(?:-t-(?P<pronoun>il|elle))?\s+(?:(?:son|sa|ses|leur)\s+{_LOWER}\s+)?"
                     rf"(?:(?:les|le|la)\s+|l['’])?(?P<name>{_NAME})?\s*[.,]")
_GAP = r"(?:[^«“\".]|«[^«»]{1,30}»)"   # text before a quote, short scare quotes allowed
_ADVERB = r"(?:(?:déjà|alors|aussi|encore|même|ainsi|également|pourtant|enfin)\s+)?"
_BEFORE = [
    # "Frédéric Oudéa, avait affirmé mardi que ... «", "Christian Noyer, également présent, a souligné que ... «"
    re.compile(rf"(?P<name>{_NAME})(?:,[^,«»\"A-ZÀ-Ý]{{1,50}},|,)?\s+(?:a|avait)\s+(?:\w+\s+)?{_LOWER}(?:\s+que)?{_GAP}{{0,80}}[:,]?\s*$"),
    re.compile(rf"(?:[Ss]elon|[Pp]our)\s+(?:(?P<pronoun>lui|elle)|(?:l['’])?(?P<name>{_NAME}))\s*[:,]\s*$"),
    re.compile(rf"(?P<name>{_NAME})\s+{_VERBS}\s*[:,]\s*$"),
    # "Rachida Dati soutient que «", "l'AFLD explique que cette décision est motivée par «"
    re.compile(rf"(?P<name>{_NAME})\s+{_VERBS}\s+qu(?:e\s+|['’])[^«“\".]{{0,80}}$"),
    # "Il a déjà révélé que ... «", "Il avait alors souligné qu'il s'agissait de «"
    re.compile(rf"\b(?P<pronoun>[Ii]l|[Ee]lle|[Hh]e|[Ss]he)\s+(?:(?:a|avait)\s+)?{_ADVERB}{_VERBS}(?:\s+que)?[^«“\".]{{0,60}}[:,]?\s*$"),
    # "En revanche, précise-t-il, «"
    re.compile(rf"\b{_LOWER}-t-(?P<pronoun>il|elle)\s*,\s*$"),
    # "Avec la crise, suppute l'Afub, «"
    re.compile(rf",\s+{_VERBS}\s+(?:(?:le|la|les)\s+|l['’])?(?P<name>{_NAME})\s*,\s*$"),
]
_SPEAKER_VERB = re.compile(rf"(?P<name>{_NAME})\s+(?:a|avait)\s+{_VERBS}")
_NOT_NAMES = {"Le", "La", "Les", "Un", "Une", "Il", "Elle", "Selon", "Pour", "De", "Du", "Des", "Et", "The", "He", "She",
              "En", "Au", "Aux"}


# Who "il", "elle", "la ministre" refer to: the people an article names, in order of last mention.
_PRONOUN_GENDER = {"il": "m", "lui": "m", "he": "m", "elle": "f", "she": "f"}
_FEMALE_NAMES = {"ingrid", "chantal", "carole", "laurence", "agnès", "agnes", "anne", "marie", "nathalie", "isabelle",
                 "sophie", "claire", "élisabeth", "elisabeth", "catherine", "valérie", "valerie", "aurélie", "ségolène",
                 "segolene", "rachida", "rama", "carla", "khaldia", "hillary", "angela", "condoleezza", "simone", "yasmina"}
_MALE_NAMES = {"antoine", "jérôme", "jerome", "serge", "fabrice", "lance", "pierre", "philippe", "maxime", "guillaume",
               "stéphane", "stephane", "george", "mike", "joshua", "luca", "nikita", "andrea", "dominique", "claude"}
_FEMALE_ENDINGS = ("a", "ine", "ette", "elle", "ène", "lyne", "line", "ise", "ie", "ée", "anne", "ice")
_ROLE_WORDS = (r"(?:premier ministre|ministre|secrétaire d['’]État|secrétaire d['’]Etat|secrétaire générale?|présidente?|"
               r"porte-parole|directeur|directrice|gouverneur|patron|patronne|députée?|sénateur|sénatrice|maire|"
               r"avocate?|chef|dirigeante?|responsable|leader|juge|procureur|réalisateur|réalisatrice|praticien|"
               r"fondateur|fondatrice|locataire|garde des Sceaux|PDG|numéro un|cycliste|championne?|entraîneur|prix Nobel)")
_DET = r"(?:(?P<det>[Ll]e|[Ll]a|[Ss]on|[Ss]a)\s+|(?P<det2>[Ll]['’]))(?:(?:nouveau|nouvelle|nouvel|ancien|ancienne|jeune)\s+)?"
# "le gouverneur de la Banque de France, Christian Noyer", "la ministre de l'Economie Christine Lagarde"
_APPOSITION = re.compile(rf"\b{_DET}(?P<role>{_ROLE_WORDS}[^,«»\"“.;:()]{{0,60}}?),?\s+(?P<name>{_NAME})")
# a name opening a sentence or a clause: "Mais François Fillon ne s'est pas contenté", "Marie Humbert, qui ..."
_SUBJECT = re.compile(r"(?:^|[.!?:]\s+|,\s+)(?:(?:Mais|Et|Alors|Puis|Ainsi|Or|Déjà)\s+)?"
                      r"(?P<name>(?:M\.|Mme)\s+[A-ZÀ-Ý][\w’'-]+(?:\s+[A-ZÀ-Ý][\w’'-]+){0,2}|"
                      r"[A-ZÀ-Ý][\w’'-]+(?:\s+(?:de\s+)?[A-ZÀ-Ý][\w’'-]+){1,3})(?=\s*,|\s+[a-zà-ÿ])")
# any "Firstname Lastname" (for who "elle" or "la ministre" may be, never a speaker by itself)
_ANY_PERSON = re.compile(r"(?<![\w’'-])(?P<name>[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?(?:\s+(?:(?:de|du|von|van)\s+)?"
                         r"[A-ZÀ-Ý][\w’'-]+){1,2})")
_NOT_FIRST_NAMES = {"Banque", "Société", "Caisse", "Crédit", "Agence", "Conseil", "Cour", "Tour", "Grande", "Grand", "Union",
                    "Parti", "Assemblée", "Etat", "État", "Etats", "États", "Médecins", "Quai", "Palais", "Front", "Nations",
                    "Jeux", "Comité", "Fédération", "Ligue", "Place", "Rue", "Saint", "Sainte", "Nouvelle", "Haute", "Haut",
                    "Mont", "Cap", "Port", "Air", "Prix", "Coupe", "Ministère", "Secrétaire", "Président", "Premier",
                    "Cité", "Maison", "Église", "Eglise", "Armée", "Bourse", "Fonds", "Groupe", "Radio"}
_TITLE_GENDER = {"M.": "m", "MM.": "m", "Mr": "m", "Mr.": "m", "Mme": "f", "Mrs": "f", "Mrs.": "f", "Ms": "f", "Ms.": "f"}
# "», a lancé le premier ministre", "», s'interrogeait le ministre de la Défense"
_ROLE_AFTER = re.compile(rf"^\s*[,.]?\s*(?:(?:a|avait)\s+)?(?:(?:ainsi|encore|aussi|alors)\s+)?(?:s['’])?{_VERBS}\s+{_WHEN}"
                         rf"(?:(?:ainsi|encore|aussi|alors)\s+)?{_DET}(?P<role>{_ROLE_WORDS}(?:\s+[\w’'-]+){{0,4}})")
# "», a affirmé le procureur de la République, Jacques Dallest", "», a annoncé la ministre de l'Économie Christine Lagarde"
_COMPLEMENT = (r"(?:\s+[a-zéèêàç]+)?"
               r"(?:\s+(?:de\s+la|de\s+l['’]|de|du|des|d['’]|à\s+la|aux|au)\s*[\w’'-]+(?:\s+[A-ZÀ-Ý][\w’'-]+)?)*")
_ROLE_NAME_AFTER = re.compile(rf"^\s*[,.]?\s*(?:(?:a|avait)\s+)?{_VERBS}\s+{_WHEN}{_DET}{_ROLE_WORDS}{_COMPLEMENT},?\s+"
                              rf"(?P<name>{_NAME})")
# "Et la ministre de l'Economie de poursuivre :", "La responsable socialiste a souligné que ..."
_ROLE_BEFORE = re.compile(rf"(?:^|[.!?,]\s+|\bEt\s+){_DET}(?P<role>{_ROLE_WORDS}(?:\s+[\w’'-]+){{0,4}}?)\s+"
                          rf"(?:(?:a|avait)\s+(?:\w+\s+)?{_VERBS}|de\s+{_LOWER}|{_VERBS})(?:\s+que)?{_GAP}{{0,100}}[:,]?\s*$")


def _gender(name: str) -> str | None:
    """m/f from a title or a first name (French conventions), None when it cannot tell."""
    first, *rest = name.split() or [""]
    if first in _TITLE_GENDER:
        return _TITLE_GENDER[first]
    if not rest:
        return None
    first = first.casefold().split("-")[0]
    if first in _FEMALE_NAMES:
        return "f"
    if first in _MALE_NAMES:
        return None if first in {"dominique", "claude"} else "m"
    return "f" if first.endswith(_FEMALE_ENDINGS) else "m"


def _role_gender(det: str, role: str) -> str | None:
    """The gender a role's determiner or ending gives: le/son ministre m, la/sa ministre f, l'avocate f."""
    det = det.casefold()
    if det in {"le", "son"}:
        return "m"
    if det in {"la", "sa"}:
        return "f"
    head = role.split()[0].casefold() if role.split() else ""
    return "f" if head.endswith(("rice", "ienne", "ante", "ée", "esse", "avocate", "présidente")) else None


class _People:
    """The people an article has named so far (most recent last), with their roles."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.subjects: list[str] = []               # named as a subject or speaker, most recent last
        self.gender: dict[str, str | None] = {}
        self.roles: list[tuple[str, str]] = []      # (role, name)

    def mention(self, name: str, gender: str | None = None, subject: bool = True) -> None:
        gender = gender or _gender(name)            # before the title goes: "M. Poutine" is a man
        name = _clean_name(name)
        full = next((n for n in reversed(self.order) if n != name and name in n.split()), name)   # "Fillon" → "François Fillon"
        for seen in (self.order, self.subjects) if subject else (self.order,):
            if full in seen:
                seen.remove(full)
            seen.append(full)
        self.gender[full] = gender or self.gender.get(full)

    def read(self, paragraph: str, start: int, end: int) -> None:
        """Names in paragraph[start:end], in order: speech-verb subjects, appositions to a role, sentence subjects."""
        events: list[tuple[int, str, str | None, str | None, bool]] = []
        for m in _SPEAKER_VERB.finditer(paragraph, start, end):
            events.append((m.start("name"), m.group("name"), None, None, True))
        for m in _APPOSITION.finditer(paragraph, start, end):
            if re.search(r"\b(?:de|du|des|à|au|aux|et|en|sur|pour)$", m.group("role").strip()):
                continue         # "le fondateur de Médecins sans Frontières": not a name in apposition
            gender = _role_gender(m.group("det") or m.group("det2"), m.group("role"))
            events.append((m.start("name"), m.group("name"), gender, m.group("role").strip(), True))
        for m in _SUBJECT.finditer(paragraph, start, end):
            events.append((m.start("name"), m.group("name"), None, None, True))
        for m in _ANY_PERSON.finditer(paragraph, start, end):
            if m.group("name").split()[0] not in _NOT_FIRST_NAMES:
                events.append((m.start("name"), m.group("name"), None, None, False))
        for at, name, gender, role, subject in sorted(events, key=lambda e: (e[0], not e[4])):
            person = _person_name(paragraph, at, name, subject=False)
            article = _ARTICLE.search(paragraph[max(0, at - 4): at])
            if not person or (not role and article and (article.group().casefold().startswith("les") or " " not in person
                                                         or re.search(r"\s(?:de|du|des)\s", person))):
                continue            # "la Russie a déclaré", "le PCF": not a person
            self.mention(person, gender or _gender(name), subject)
            if role:
                self.roles.append((role.casefold(), self.order[-1]))

    def last(self, gender: str | None = None, subjects: bool = False) -> str | None:
        """The most recently named person of that gender, else of unknown gender (any when gender is None);
        with `subjects`, people named as a subject or speaker first (what "il a ajouté" refers to)."""
        for order in (self.subjects, self.order) if subjects else (self.order,):
            if gender is None and order:
                return order[-1]
            agreeing = [n for n in order if self.gender.get(n) == gender]
            unknown = [n for n in order if self.gender.get(n) is None]
            if agreeing or unknown:
                return (agreeing or unknown)[-1]
        return None

    def by_role(self, det: str, role: str) -> str | None:
        """Who "la ministre de la Santé" is: the person last named with that role, else the last person
        of the determiner's gender."""
        role = role.casefold().strip()
        for known, name in reversed(self.roles):
            if known.startswith(role) or role.startswith(known):
                return name
        return self.last(_role_gender(det, role))


@dataclass(frozen=True)
class Quote:
    position: int        # paragraph
    start: int           # character offset in the paragraph
    text: str
    speaker: str | None


def _speaker(match: re.Match[str] | None, people: _People) -> str | None:
    """The speaker an attribution match names, or for a pronoun the last person of its gender."""
    if match is None:
        return None
    groups = match.groupdict()
    name = groups.get("name") or groups.get("name2")
    if name:
        person = _person_name(match.string, match.start("name" if groups.get("name") else "name2"), name)
        if person:
            return person
    pronoun = (groups.get("pronoun") or "").casefold()
    return people.last(_PRONOUN_GENDER.get(pronoun), subjects=True) if pronoun else None


def _clean_name(name: str) -> str:
    """Titles and a leading acronym dropped: "M. Poutine" → "Poutine", "UMP Jean Leonetti" → "Jean Leonetti"."""
    name = re.sub(r"^(?:M\.|Mme|MM\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Me)\s+", "", name.strip())
    return re.sub(r"^[A-Z]{2,}\s+(?=[A-ZÀ-Ý][a-zà-ÿ])", "", name)


_ARTICLE = re.compile(r"\b(?:[Ll]es?|[Ll]a)\s+$|\b[Ll]['’]$")
_OF = re.compile(r"(?:\b(?:de|à)\s+(?:la\s+|l['’])|\b(?:du|des|au|aux)\s+)$", re.I)


def _person_name(text: str, start: int, name: str, subject: bool = True) -> str | None:
    """The person a capitalised name may be, or None: not "Le ...", and "ministre de la Défense Juan
    Manuel Santos" gives "Juan Manuel Santos" but "ministre de la Défense" nobody; as the `subject`
    of a verb, not a complement ("le cas de Chantal Sébire a fait")."""
    name = re.sub(r"^D['’]après\s+", "", name)
    if not name or name.split()[0] in _NOT_NAMES:
        return None
    before = text[max(0, start - 30): start]
    owner = re.search(r"[A-ZÀ-Ý][\w-]+\s+d['’]$", before)
    if owner:
        return _clean_name(owner.group() + name)                     # "Caisse d'Epargne", not "Epargne"
    complement = re.search(r"\bd['’]$", before) and (subject or " " not in name)     # "la maladie d'Alzheimer"
    if complement or (subject and re.search(r"\b(?:de|à)\s+$", before)):          # "le cas de Chantal Sébire a fait"
        return None
    if _OF.search(text[max(0, start - 8): start]):
        rest = name.split()[1:]
        if len(rest) < 2 or not rest[0][0].isupper():
            return None
        name = " ".join(rest)
    words = name.split()
    while len(words) > 2 and re.fullmatch(r"[A-ZÀ-Ý][a-zà-ÿ]+-[a-zà-ÿ]+", words[0]):
        words = words[1:]
    return _clean_name(" ".join(words))


def extract_quotes(paragraphs: list[str]) -> list[Quote]:
    """Quotes of an article in order, with speakers resolved as described above."""
    quotes: list[Quote] = []
    people = _People()
    for position, paragraph in enumerate(paragraphs):
        cursor = 0
        for m in _QUOTE.finditer(paragraph):
            text = (m.group("fr") or m.group("en") or m.group("plain") or "").strip()
            if len(text.split()) < MIN_WORDS:
                continue
            # what "il a estimé que ... «" refers to is named before that sentence
            sentence = max([cursor] + [paragraph.rfind(end, cursor, m.start()) + 2 for end in (". ", "! ", "? ")])
            people.read(paragraph, cursor, sentence)
            speaker = _attribute(paragraph, m, text, people, cursor)
            people.read(paragraph, sentence, m.start())
            cursor = m.end()
            if not speaker and quotes and quotes[-1].position == position and m.start() - quotes[-1].start < 400:
                speaker = quotes[-1].speaker       # a quote continued in the same paragraph
            quotes.append(Quote(position, m.start(), text, speaker))
            if speaker:
                people.mention(speaker)
        people.read(paragraph, cursor, len(paragraph))
    return quotes


def _attribute(paragraph: str, m: re.Match[str], text: str, people: _People, floor: int) -> str | None:
    """The speaker of the quote `m` of `paragraph`: attribution after it, before it, inside it, or
    the nearest named speaker earlier in the paragraph (after `floor`, the previous quote's end)."""
    after = paragraph[m.end(): m.end() + 120]
    before = paragraph[max(0, m.start() - 160): m.start()]
    for pattern in _AFTER:
        speaker = _speaker(pattern.match(after), people)
        if speaker:
            return speaker
    speaker = _speaker(_ROLE_NAME_AFTER.match(after), people)
    if speaker:
        return speaker
    role = _ROLE_AFTER.match(after)
    if role:
        return people.by_role(role.group("det") or role.group("det2"), role.group("role"))
    for pattern in _BEFORE:
        speaker = _speaker(pattern.search(before), people)
        if speaker:
            return speaker
    role = _ROLE_BEFORE.search(before)
    if role:
        return people.by_role(role.group("det") or role.group("det2"), role.group("role"))
    incise = _INCISE.search(text[:200])
    if incise and (incise.group("name") or incise.group("pronoun")):
        return _speaker(incise, people)
    # "Kim a affirmé que ... «...»"
    found = _SPEAKER_VERB.finditer(paragraph, floor, m.start())
    named = [_person_name(paragraph, n.start("name"), n.group("name")) for n in found]
    named = [n for n in named if n]
    return named[-1] if named else None


def _shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i: i + 3]) for i in range(max(1, len(w) - 2))}


def same_quote(a: str, b: str) -> bool:
    """Two reports of one quote: most word 3-grams of the shorter one are in the other."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return False
    return len(sa & sb) / min(len(sa), len(sb)) >= SAME_QUOTE
