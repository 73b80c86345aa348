"""Vietnamese text helpers: normalisation and the alphabet's sort order."""

import unicodedata

# Vietnamese alphabet order; f, j, w, z appear in foreign names and sit where Latin puts them.
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_LETTER_CODE = {letter: chr(0x41 + i) for i, letter in enumerate(_ALPHABET)}
# Tone marks, in the dictionary order: level, grave, hook, tilde, acute, dot below.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_SHAPE_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(text):
    """Return `text` in Unicode NFC with surrounding blanks removed (None stays None)."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", str(text)).strip()


def _split_letters(text):
    """Yield (letter without tone, tone digit) for each character of `text`."""
    for ch in unicodedata.normalize("NFC", text.lower()):
        decomposed = unicodedata.normalize("NFD", ch)
        base, tone = decomposed[0], "0"
        shape = ""
        for mark in decomposed[1:]:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _SHAPE_MARKS:
                shape += mark
        yield unicodedata.normalize("NFC", base + shape), tone


def _word_key(word):
    primary, tones = [], []
    for letter, tone in _split_letters(word):
        if letter in _LETTER_CODE:
            primary.append(_LETTER_CODE[letter])
        elif letter.isdigit():
            primary.append(letter)
        else:
            primary.append("~")
        tones.append(tone)
    # "#" sorts below every letter, so "An" comes before "Anh"; tones break ties.
    return "".join(primary) + "#" + "".join(tones)


def vi_sort_key(text):
    """A plain string that sorts byte-wise in Vietnamese dictionary order.

    Syllable by syllable, as dictionaries do: letters first (Đ after D, Ă and Â after A), then
    the tone of that syllable, so every "Đông ..." comes before every "Đồng ...". The key is
    stored in a column and used by SQL ORDER BY with a binary collation.
    """
    return "!".join(_word_key(word) for word in (text or "").split())
