"""Who a voter is, for the roll: a normalised name skeleton, the birth date, and keyed hashes.

The roll never stores a name or a birth date. It stores HMACs (keyed with
`VOTER_KEY_SECRET`, and with the cycle, so one person cannot be linked across cycles):

- the dedup key: the whole name skeleton + the birth date (one person, one entry);
- near-match keys, so a liaison can be asked "is this the same person?" without raw data:
  each name word (two letters or more) + birth date; the name with one letter deleted (every
  position, and none) + birth date, which meet when two spellings are one edit apart; and the
  name + the birth date with one of its eight digits blanked, which meet when two dates are one
  digit apart. Dates one day apart or with day and month swapped are found by probing the
  dedup keys of those dates.

The name skeleton folds what differs between two honest spellings of one name: compatibility
forms and case (NFKC, casefold), accents (NFD, nonspacing marks dropped), invisible format
characters (zero-width, soft hyphen, bidi marks), punctuation and word order, and letters that
look alike across scripts (the Unicode TR39 confusables data, from confusable-homoglyphs).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

OLDEST_BIRTH_DATE = date(1900, 1, 1)
MAX_AGE = 120
WORD_MIN = 2  # single letters (initials) would match half the roll
DELETION_MAX = 40  # longer names get no one-letter-deleted keys (their words still match)
APOSTROPHES = "'\u2019\u02bc\u02bb`\u00b4"  # O'Brien = OBrien; TR39 folds most of these to "'"


@dataclass(frozen=True)
class Identity:
    """A person as the roll sees them: the sorted skeleton words of their name and birth date."""

    words: tuple[str, ...]
    birth_date: date

    @property
    def name(self) -> str:
        return " ".join(self.words)


def identity(name: str, birth_date: date) -> Identity:
    return Identity(tuple(sorted(name_words(name))), birth_date)


def name_words(name: str) -> list[str]:
    """The skeleton words of a name: same person, same words, whatever the spelling details."""
    text = _strip_marks(unicodedata.normalize("NFKC", name).casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" and ch not in APOSTROPHES)
    text = skeleton(text)
    return "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text).split()


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def skeleton(text: str) -> str:
    """Map every confusable character to its class's prototype (TR39), until nothing changes."""
    table = _prototypes()
    for _ in range(4):
        mapped = _strip_marks("".join(table.get(ch, ch) for ch in text)).casefold()
        if mapped == text:
            break
        text = mapped
    return text


@cache
def _prototypes() -> dict[str, str]:
    """One character → its TR39 prototype.

    confusable-homoglyphs stores each TR39 line "source → prototype" in both directions. A
    source has exactly one partner; a prototype lists all its sources. When a pair names only
    each other, both sides map to the smaller code point, which keeps the mapping a function
    of the TR39 skeleton (two strings with one skeleton still get one result here).
    """
    table: dict[str, str] = {}
    for char, partners in confusables_data.items():
        if len(char) != 1 or len(partners) != 1:
            continue  # a multi-letter prototype, or a prototype with many sources
        other = partners[0]["c"]
        if len(other) > 1 or [p["c"] for p in confusables_data.get(other, [])] != [char]:
            table[char] = other  # `other` is a multi-letter prototype or has several sources
        else:
            table[char] = min(char, other, key=lambda c: (not _is_letter(c), c))
    # Only letters fold into letters: a name's punctuation and symbols separate words instead
    # (TR39 also maps, for example, the Kangxi radical "⼩" to "小", and "ǃ" to "!").
    return {k: v for k, v in table.items() if k != v and _is_letter(k) and all(map(_is_letter, v))}


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def _mac(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def dedup_key(secret: bytes, cycle_id: int, person: Identity) -> str:
    """Keyed hash of the name skeleton and birth date: same person, same key, no raw data."""
    return _mac(secret, "person", str(cycle_id), person.name, person.birth_date.isoformat())


def near_keys(secret: bytes, cycle_id: int, person: Identity) -> set[str]:
    """The keyed hashes two near spellings of one person share (see the module docstring)."""
    cid, born, name = str(cycle_id), person.birth_date.isoformat(), person.name
    keys = {_mac(secret, "word", cid, w, born) for w in person.words if len(w) >= WORD_MIN}
    joined = "".join(person.words)
    deletions = {joined} | ({joined[:i] + joined[i + 1:] for i in range(len(joined))}
                            if len(joined) <= DELETION_MAX else set())
    keys |= {_mac(secret, "edit", cid, d, born) for d in deletions if d}
    digits = person.birth_date.strftime("%Y%m%d")
    keys |= {_mac(secret, "digit", cid, name, digits[:i] + "*" + digits[i + 1:]) for i in range(8)}
    return keys


def neighbour_dates(born: date) -> list[date]:
    """Dates a tired hand types instead of `born`: a day either side, day and month swapped."""
    dates = [born - timedelta(days=1), born + timedelta(days=1)]
    if born.day <= 12 and born.day != born.month:
        dates.append(born.replace(month=born.day, day=born.month))
    return dates


def birth_date_problem(born: date, today: date) -> str | None:
    """Why a birth date cannot be right ("future", "too_old"), or None if it is plausible."""
    if born > today:
        return "future"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if born < OLDEST_BIRTH_DATE or age > MAX_AGE:
        return "too_old"
    return None
