"""Normalise names so that one search finds a person whatever script or spelling was typed.

Three forms are produced for each name:
- the *script* form (`normalize`): Arabic and Persian letter variants folded (ي/ی, ك/ک, ة/ه, hamza forms),
  diacritics, tatweel and joiners removed, digits made ASCII, Latin lower-cased without accents;
- the *phonetic* form of Latin text (`phonetic`): transliteration variants folded (Mohammad, Muhammad,
  Mohammed → "muhamad"; Hosseini, Hoseyni, Husseini → "husini"; Ghasemi, Qasemi → "gasimi"), so that
  spelling variants meet in trigram space;
- the *skeleton* of Latin text (`skeleton`): the phonetic form without its vowels (Mehdi, Mahdi → "mhd"),
  because short vowels are what transliterations disagree on most (Persian script does not write them).

All three go into `Person.search_text`; queries are normalised the same way before matching, so a query
and a stored name written differently still share most of their trigrams. `name_keys` gives exact keys
(the phonetic form with its words sorted) for cheap set-based duplicate checks during imports.
"""

from __future__ import annotations

import functools
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
        "\ufeff": "",  # BYTE ORDER MARK left in a cell
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
    }
)

# Marks used in scholarly transliteration (ʿAbd al-ʿAziz) and apostrophes that writers add or drop.
_DROP_MARKS = dict.fromkeys(map(ord, "ʿʾʻʼ'’‘`´"), None)

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")
# Text in the Arabic block (letters, harakat, digits), ASCII and the joiners only: folded without Unicode
# normalisation, which it does not need (presentation forms and other scripts take the general path).
_ARABIC_ONLY = re.compile(
    r"^[\u0000-\u007f\u0621-\u063a\u0640-\u0655\u0660-\u0669\u0670\u067e\u0686\u0698\u06a9\u06af\u06c0\u06cc"
    r"\u06f0-\u06f9\u200c-\u200f\ufeff]*$"
)
_HARAKAT = re.compile(r"[\u064b-\u0655\u0670]")


@functools.lru_cache(maxsize=1 << 18)  # rosters repeat names and words a great deal
def normalize(text: str) -> str:
    """Fold letter variants, remove diacritics and punctuation, lower-case; keep both scripts."""
    if not text:
        return ""
    if text.isascii():  # the common case, without Unicode decomposition
        return _ASCII_NON_WORD.sub(" ", text.translate(_DROP_MARKS).lower()).strip()
    if _ARABIC_ONLY.match(text):
        text = _HARAKAT.sub("", text.translate(_ARABIC_FOLD).translate(_DROP_MARKS)).lower()
        text = _NON_WORD.sub(" ", text).replace("_", " ")
        return _SPACES.sub(" ", text).strip()
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD).translate(_DROP_MARKS)
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).casefold()
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


# Latin transliteration folding, applied in order to each word: consonant digraphs first (English, French
# and German conventions for the same Persian letters), then vowel classes, then doubled letters.
_PHONETIC_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"^(abdul|abdol|abdel|abdal)", "abdl"),  # Abdolreza, Abdulreza, Abdel-Reza
        (r"dj", "j"),  # French: Djavad, Madjid, Khadidjeh
        (r"tch|sch|sh|ch", "c"),  # ش/چ: Hashemi, Hachemi (French)
        (r"kh", "x"),  # خ
        (r"gh|q", "g"),  # غ/ق, often written G too: Ghasemi, Qasemi; Gholamreza, Golamreza
        (r"zh", "j"),  # ژ: Zhaleh, Jaleh
        (r"ph", "f"),
        (r"dh|th|ẕ", "z"),  # ذ/ظ/ض: Kadhemi, Kazemi
        (r"w", "v"),  # Parwin, Parvin; Safawi, Safavi
        (r"ck|c(?=[aeiouy])", "k"),
        (r"y", "i"),  # Hoseyni, Heydari, Yazdani
        (r"ou|oo|o|u", "u"),  # Hossein, Hussein; Kourosh, Kurosh
        (r"ee|ei|ie|e|i", "i"),  # Saeed, Said; Fatemeh, Fatimeh
        (r"(?<=[aiu])h$", ""),  # final h after a vowel: Zahrah, Zahra; Fatemeh, Fateme
        (r"(.)\1+", r"\1"),  # doubled letters: Mohammad, Mohamad; Rezaa, Reza; Rezaee, Rezai
    ]
]
_VOWELS = re.compile(r"(?<=.)[aiu]+")


@functools.lru_cache(maxsize=1 << 16)
def phonetic_word(word: str) -> str:
    if not word.isalpha():  # numbers and codes are compared as written
        return word
    for pattern, replacement in _PHONETIC_RULES:
        word = pattern.sub(replacement, word)
    return word


def phonetic(text: str) -> str:
    """Latin spelling variants folded to a common form; non-Latin words are left out."""
    words = [w for w in normalize(text).split() if w.isascii()]
    return " ".join(phonetic_word(w) for w in words if w)


@functools.lru_cache(maxsize=1 << 16)
def skeleton_word(word: str) -> str:
    return _VOWELS.sub("", phonetic_word(word))


def skeleton(text: str) -> str:
    """The phonetic form without vowels after the first letter (Mehdi, Mahdi → "mhd")."""
    return " ".join(skeleton_word(w) for w in normalize(text).split() if w.isascii())


def search_forms(text: str) -> str:
    """The text indexed and compared: the normalised form, then for Latin words the phonetic form and skeleton."""
    norm = normalize(text)
    latin = [w for w in norm.split() if w.isascii()]
    parts = [norm]
    for form in (" ".join(phonetic_word(w) for w in latin), " ".join(skeleton_word(w) for w in latin)):
        if form and form not in parts:
            parts.append(form)
    return " ".join(p for p in parts if p)


def compact_number(number: str) -> str:
    """A registration or document number as compared: ASCII digits, lower case, no spaces or punctuation."""
    return normalize(number or "").replace(" ", "")


def build_search_text(*, names: list[str], numbers: list[str]) -> str:
    """Assemble `Person.search_text` from every name (any script) and every registration/document number."""
    parts: list[str] = []
    for name in names:
        forms = search_forms(name or "")
        if forms and forms not in parts:
            parts.append(forms)
    for number in numbers:
        compact = compact_number(number)
        if compact and compact not in parts:
            parts.append(compact)
    return " | ".join(parts)


def search_words(texts: list[str]) -> list[str]:
    """Exact words to look people up by: for each Latin word its phonetic form and skeleton, for any other
    script the normalised word. Spelling variants mostly share one of them (Mehdi, Mahdi → "mhd")."""
    words: dict[str, None] = {}
    for text in texts:
        for word in normalize(text or "").split():
            if word.isascii() and word.isalpha():
                words[phonetic_word(word)] = None
                if len(skeleton_word(word)) > 1:
                    words[skeleton_word(word)] = None
            elif not word.isascii():
                words[word] = None
    return list(words)


def query_words(query: str) -> list[list[str]]:
    """For each word of a query, the exact search words any of which a matching person must have."""
    groups = []
    for word in normalize(query).split():
        if word.isascii() and word.isalpha() and len(word) > 1:
            groups.append(list(dict.fromkeys(w for w in (phonetic_word(word), skeleton_word(word)) if len(w) > 1)))
        elif not word.isascii():
            groups.append([word])
    return groups


@functools.lru_cache(maxsize=1 << 18)
def name_key(text: str) -> str:
    """An exact key for a name: phonetic words sorted (Latin), or normalised words sorted (other scripts)."""
    norm = normalize(text)
    if not norm:
        return ""
    words = [phonetic_word(w) if w.isascii() else w for w in norm.split()]
    return " ".join(sorted(w for w in words if w))


def name_keys(names: list[str]) -> list[str]:
    """The distinct keys of a person's names (for `Person.name_keys` and the import duplicate check)."""
    keys: list[str] = []
    for name in names:
        key = name_key(name or "")
        if key and key not in keys:
            keys.append(key)
    return keys


# ---------------------------------------------------------------------------------------------------------
# Trigram similarity in Python, the same measure as pg_trgm's similarity(), for scoring duplicate candidates
# found by exact keys (where the database did not compute a similarity).


def _trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in normalize(text).split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(a, b): shared trigrams over all trigrams of the two strings."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def name_similarity(a: str, b: str) -> float:
    """How alike two names are once spelling is folded: the best of the script and phonetic similarities."""
    best = similarity(a, b)
    pa, pb = phonetic(a), phonetic(b)
    if pa and pb:
        best = max(best, similarity(pa, pb), similarity(" ".join(sorted(pa.split())), " ".join(sorted(pb.split()))))
    return round(best, 3)
