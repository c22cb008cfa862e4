"""Normalise names so that one search finds a person whatever script or spelling was typed.

Two forms are produced for each name:
- the *script* form: Arabic and Persian letter variants folded (ي/ی, ك/ک, ة/ه, hamza forms), diacritics,
  tatweel and joiners removed, digits made ASCII, Latin lower-cased without accents;
- the *phonetic* form of Latin text: transliteration variants folded (Mohammad, Muhammad, Mohamed and
  Mohammed all become "mhmd"-like skeletons with vowel classes), so spelling variants meet in trigram space.

Both forms go into `Person.search_text`, and queries are normalised the same way before matching.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
        "\u0626": "\u06cc",  # YEH WITH HAMZA -> FARSI YEH
        "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
        "\u0629": "\u0647",  # TEH MARBUTA -> HEH
        "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH
        "\u06c1": "\u0647",  # HEH GOAL -> HEH
        "\u06d5": "\u0647",  # AE -> HEH
        "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
        "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
        "\u0622": "\u0627",  # ALEF WITH MADDA -> ALEF
        "\u0671": "\u0627",  # ALEF WASLA -> ALEF
        "\u0624": "\u0648",  # WAW WITH HAMZA -> WAW
        "\u0621": "",  # lone HAMZA
        "\u0640": "",  # TATWEEL
        "\u200c": "",  # ZERO WIDTH NON-JOINER (Persian half-space)
        "\u200d": "",  # ZERO WIDTH JOINER
        "\u200f": "",  # RIGHT-TO-LEFT MARK
        "\u200e": "",  # LEFT-TO-RIGHT MARK
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
    }
)

# Marks used in scholarly transliteration (ʿAbd al-ʿAziz) and apostrophes that writers add or drop.
_DROP_MARKS = dict.fromkeys(map(ord, "ʿʾʻʼ'’‘`´"), None)

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold letter variants, remove diacritics and punctuation, lower-case; keep both scripts."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD).translate(_DROP_MARKS)
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).casefold()
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


# Latin transliteration folding, applied in order to each word. Digraphs first, then vowel classes.
_PHONETIC_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"^(al|el|ul)(?=[a-z]{3,})", ""),  # the article: al-Hakim, el Hakim, Alhakim
        (r"ph", "f"),
        (r"w", "v"),  # Parwin / Parvin
        (r"ou|oo|o", "u"),
        (r"ee|ei|ey|ay|ai|e|y", "i"),
        (r"q", "gh"),
        (r"dh|th|z|ẕ", "z"),
        (r"ch|tch", "ch"),
        (r"ck|c(?!h)", "k"),
        (r"(?<=[aiu])h$", ""),  # final h after a vowel: Zahrah / Zahra, Fatemeh / Fatime
        (r"(.)\1+", r"\1"),  # doubled letters: Mohammad / Mohamad, Rezaa / Reza
    ]
]


def phonetic_word(word: str) -> str:
    for pattern, replacement in _PHONETIC_RULES:
        word = pattern.sub(replacement, word)
    return word


def phonetic(text: str) -> str:
    """Latin spelling variants folded to a common skeleton; non-Latin words are left out."""
    words = [w for w in normalize(text).split() if w.isascii()]
    return " ".join(phonetic_word(w) for w in words if w)


def search_forms(text: str) -> str:
    """The text indexed and compared: the normalised form and, for Latin words, the phonetic form."""
    norm = normalize(text)
    ph = phonetic(text)
    return f"{norm} {ph}".strip() if ph and ph != norm else norm


def build_search_text(*, names: list[str], numbers: list[str]) -> str:
    """Assemble `Person.search_text` from every name (any script) and every registration/document number."""
    parts: list[str] = []
    for name in names:
        forms = search_forms(name or "")
        if forms:
            parts.append(forms)
    for number in numbers:
        compact = normalize(number or "").replace(" ", "")
        if compact:
            parts.append(compact)
    return " | ".join(parts)
