"""Text as the compliance screen reads it (J1.4, G2), with a map back to what was typed.

Evasive ads space or punctuate words (``限 男``, ``押.金``), write digits full-width
or as Chinese numerals (``幺八八 八八八八``), use traditional characters, and spell
contact words around (``加VX``, ``威 信``). `normalise` undoes all of that in one
pass and keeps, for every character of the result, the span of original
characters it came from, so a match in the normalised view maps back to the
original text the moderator and the employer see highlighted.

Steps, in order:

1. NFKC per character (full-width letters and digits, compatibility forms) and
   case folding.
2. Traditional → simplified with OpenCC (``t2s``), character by character so the
   offsets stay one to one.
3. Chinese numerals read as digits: a run of at least three digit numerals
   (``幺八八 八八八八``; separators inside the run are allowed), or a positional
   number with a digit numeral in it (``十五``, ``两百``, ``三千五``).
4. Separators removed: whitespace, punctuation, symbols, zero-width characters and
   emoji vanish between characters. Kept (as written, or as one space) only where
   they carry meaning: ASCII punctuation between two ASCII letters or digits
   (``x.com``, ``hr@x.cn``, ``18-25``, ``12.5``) and a space between two ASCII
   words (``women only``). Digits separated by spaces join (``1 8 8`` → ``188``).
5. Contact words rewritten to one spelling: 微信 for V/VX/WX/薇信/威信/V信/weixin/wechat
   after 加 or before an id, ``qq`` for 扣扣/企鹅/Q号, ``加微信`` for ``＋V``/``加V``.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

import opencc

_T2S = opencc.OpenCC("t2s")

_DASHES = {"—", "–", "‒", "―", "〜", "－", "−"}
ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"}
# ASCII punctuation that is part of a token when it sits between two ASCII letters or digits.
_TOKEN_PUNCTUATION = set(".@/:-_+&=?%#~,")

_DIGIT_NUMERALS = {"零": "0", "〇": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "贰": "2",
                   "两": "2", "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6",
                   "陆": "6", "七": "7", "柒": "7", "拐": "7", "八": "8", "捌": "8", "九": "9", "玖": "9",
                   "勾": "9"}
# Numerals read as digits only inside a run of three or more (拐, 洞, 勾 are radio-speak for 7, 0, 9).
_WEAK_NUMERALS = {"洞", "拐", "勾"}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000}


@dataclass(frozen=True)
class Normalised:
    text: str                          # what the screen matches against
    spans: tuple[tuple[int, int], ...]  # for each character of `text`, its span in the original

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span a match [start, end) in `text` came from, separators inside included."""
        if start >= end or not self.spans:
            return (-1, -1)
        return (self.spans[start][0], self.spans[end - 1][1])


@functools.lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).casefold()
    if folded in _DASHES:
        return "-"
    if len(folded) == 1 and "\u3400" <= folded <= "\u9fff":
        folded = _T2S.convert(folded) or folded
    return folded


def _is_separator(char: str) -> bool:
    if char in ZERO_WIDTH or char.isspace():
        return True
    category = unicodedata.category(char)
    return category[0] in "PSZC" or category == "Mn"  # punctuation, symbols (emoji), spaces, controls, marks


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _read_numerals(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Step 3: Chinese numerals as digits, each digit keeping the span it came from."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(chars)
    while i < n:
        char = chars[i][0]
        if char not in _DIGIT_NUMERALS and char not in _UNITS:
            out.append(chars[i])
            i += 1
            continue
        # The run: numerals and units, with separators allowed between numerals.
        j, run = i, []
        while j < n and (chars[j][0] in _DIGIT_NUMERALS or chars[j][0] in _UNITS
                         or (run and _is_separator(chars[j][0]) and j + 1 < n
                             and (chars[j + 1][0] in _DIGIT_NUMERALS or chars[j + 1][0] in _UNITS))):
            if not _is_separator(chars[j][0]):
                run.append(chars[j])
            j += 1
        letters = "".join(c for c, _s, _e in run)
        has_unit = any(c in _UNITS for c in letters)
        strong_digits = sum(1 for c in letters if c in _DIGIT_NUMERALS and c not in _WEAK_NUMERALS)
        if not has_unit and len(run) >= 3 and strong_digits >= 2:
            out.extend((_DIGIT_NUMERALS[c], s, e) for c, s, e in run)
            i = j
            continue
        if has_unit and (strong_digits or letters[0] in "十拾") and all(c not in _WEAK_NUMERALS for c in letters):
            value = _positional_value(letters)
            if value is not None:
                start, end = run[0][1], run[-1][2]
                out.extend((d, start, end) for d in str(value))
                i = j
                continue
        out.append(chars[i])
        i += 1
    return out


def _positional_value(letters: str) -> int | None:
    """十五 → 15, 两百 → 200, 三千五 → 3500, 一万二 → 12000; None when it is not a number."""
    total, section, digit, last_unit = 0, 0, None, None
    for char in letters:
        if char in _DIGIT_NUMERALS:
            if digit is not None:
                return None  # 二三百: not a positional number
            digit = int(_DIGIT_NUMERALS[char])
        else:
            unit = _UNITS[char]
            if unit == 10000:
                section = (section + (digit or 0)) or 1
                total += section * 10000
                section, digit, last_unit = 0, None, 10000
                continue
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:
        # 三千五 is 3500, 一百五 is 150: a trailing digit counts in the unit below the last one.
        section += digit * (last_unit // 10 if last_unit and last_unit >= 100 and last_unit != 10000 else 1)
    return total + section


# Step 5: contact words, in the folded and compacted text.
_CONTACT_WORDS = [
    (re.compile(r"(?:加|\+)(?:vx|wx|v|微|威|薇)(?![a-z0-9信芯])"), "加微信"),
    (re.compile(r"(?:vx|wx|v信|v芯|weixin|wechat|威信|薇信|微x|徽信|维信|微芯|(?<![a-z])v(?=:[a-z0-9]))"), "微信"),
    (re.compile(r"(?:扣扣|企鹅号?|q号|qq号|球球)"), "qq"),
]


def normalise(text: str) -> Normalised:
    text = text or ""
    # Steps 1–2.
    chars = [(folded_char, index, index + 1) for index, char in enumerate(text)
             for folded_char in _fold(char)]
    # Step 3.
    chars = _read_numerals(chars)
    # Step 4.
    kept = _drop_separators(chars)
    # Step 5.
    compact, spans = _canonical_contact_words("".join(c for c, _s, _e in kept), [(s, e) for _c, s, e in kept])
    return Normalised(compact, tuple(spans))


def _kept_separator(chars: list[tuple[str, int, int]], index: int, kept: list[tuple[str, int, int]]) -> str | None:
    """What a separator at `index` becomes in step 4: itself, one space, or nothing (None)."""
    char = chars[index][0]
    before = kept[-1][0] if kept else ""
    after = next((c for c, _s, _e in chars[index + 1:] if not _is_separator(c)), "")
    if char == "/" and before.isdigit() and after:
        return char  # 15/小时: a rate, not a duration
    if char == "+" and after and after in "vw":
        return char  # ＋V: the contact word, rewritten in step 5
    if not (before and after and _is_ascii_alnum(before) and _is_ascii_alnum(after)):
        return None
    last_is_punctuation = bool(kept) and kept[-1][0] in _TOKEN_PUNCTUATION
    if before.isdigit() and after.isdigit():
        # 18-25, 12.5, 18:00 stay apart; spaced digits join: 1 8 8 → 188
        return char if char in "-~:.,/" and not last_is_punctuation else None
    if char in _TOKEN_PUNCTUATION:
        return None if last_is_punctuation else char
    if char.isspace() and not (kept and kept[-1][0] == " "):
        if before.isalpha() and after.isalpha() and _single_letters(chars, index):
            return None  # v x, w e c h a t: letters spelled out one by one join
        return " "
    return None


def _drop_separators(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    kept: list[tuple[str, int, int]] = []
    for index, (char, start, end) in enumerate(chars):
        if not _is_separator(char):
            kept.append((char, start, end))
            continue
        replacement = _kept_separator(chars, index, kept)
        if replacement is not None:
            kept.append((replacement, start, end))
    return kept


def _canonical_contact_words(compact: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Each contact word rewritten to its canonical form, mapped to the span of what it replaced."""
    for pattern, canonical in _CONTACT_WORDS:
        if not pattern.search(compact):
            continue
        new_text, new_spans, cursor = [], [], 0
        for match in pattern.finditer(compact):
            new_text.append(compact[cursor:match.start()])
            new_spans.extend(spans[cursor:match.start()])
            span = (spans[match.start()][0], spans[match.end() - 1][1])
            new_text.append(canonical)
            new_spans.extend([span] * len(canonical))
            cursor = match.end()
        new_text.append(compact[cursor:])
        new_spans.extend(spans[cursor:])
        compact, spans = "".join(new_text), new_spans
    return compact, spans


def _single_letters(chars: list[tuple[str, int, int]], index: int) -> bool:
    """Whether the space at `index` sits between two one-letter words (``v x``)."""
    def word_length(step: int) -> int:
        length, i = 0, index + step
        while 0 <= i < len(chars) and chars[i][0].isascii() and chars[i][0].isalpha():
            length, i = length + 1, i + step
        return length
    return word_length(-1) == 1 and word_length(1) == 1
