"""Search keys for people's names: a normalised name, full pinyin and pinyin initials.

Polyphonic characters (单, 曾, 仇 …) give several readings; we keep up to ``MAX_READINGS``
whole-name alternatives separated by spaces, so "shan" and "dan" both find 单. Names written
in Tibetan or Mongolian script, or Latin letters, pass through unchanged (lower-cased).

pypinyin is imported inside ``search_keys``, not here: loading its dictionaries takes about
140 ms, and opening the store (``schema`` imports this module) must not pay for it; only
writing a name (a walk-in, a sync pull, a migration filling keys) does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_READINGS = 4
_SEPARATORS = re.compile(r"[\s·•・.\-_]+")


@dataclass(frozen=True)
class SearchKeys:
    name_norm: str
    pinyin_full: str
    pinyin_initials: str


def normalise(text: str) -> str:
    """NFKC, lower case, without spaces and the middle dots of transliterated names."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).lower()


def normalise_query(text: str) -> str:
    return normalise(text)


def search_keys(name: str) -> SearchKeys:
    norm = normalise(name)
    if not norm:
        return SearchKeys("", "", "")
    from pypinyin import Style, pinyin  # see the module docstring

    readings = pinyin(norm, style=Style.NORMAL, heteronym=True, errors="default")
    options = [[r.lower() for r in reading] or [""] for reading in readings]
    # The common reading first, then one character read differently at a time, surname first:
    # that covers 单 = shan/dan without a combinatorial explosion.
    combos = [[o[0] for o in options]]
    for position, alternatives in enumerate(options):
        for alternative in alternatives[1:]:
            combo = list(combos[0])
            combo[position] = alternative
            combos.append(combo)
    fulls: list[str] = []
    initials: list[str] = []
    for combo in combos[:MAX_READINGS]:
        full = "".join(combo)
        initial = "".join(part[:1] for part in combo)
        if full not in fulls:
            fulls.append(full)
        if initial not in initials:
            initials.append(initial)
    return SearchKeys(norm, " ".join(fulls), " ".join(initials))
