"""English readings: numbers, years, money, percentages, ordinals, dates, times, units,
abbreviations. num2words reads the numbers; context is decided here."""

from __future__ import annotations

import functools
import re
from typing import Any

from voicer.text import latin
from voicer.text.tables import alternation, table

_B = r"(?<![A-Za-z0-9.])"
_NUM = r"\d+(?:\.\d+)?"
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "＄": "$", "．": ".", "−": "-"}
)


@functools.lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    return table("en")


@functools.lru_cache(maxsize=4096)
def _n2w(number: int, to: str = "cardinal") -> str:
    from num2words import num2words  # imported lazily: keeps `import voicer` light

    # num2words puts commas inside big numbers; a comma is a pause, not part of a number.
    return num2words(number, lang="en", to=to).replace(",", "")


def digits(s: str) -> str:
    return " ".join(_DIGIT_WORDS[int(c)] for c in s if c.isdigit())


def cardinal(number: str) -> str:
    """3 -> three, 3.14 -> three point one four, 600000 -> six hundred thousand."""
    int_part, _, frac = number.partition(".")
    words = _n2w(int(int_part or "0"))
    return words + (" point " + digits(frac) if frac else "")


def ordinal(number: str) -> str:
    return _n2w(int(number), "ordinal")


def year(number: str) -> str:
    return _n2w(int(number), "year")


def version_number(number: str) -> str:
    """A number inside a product name: 3.1 -> three point one, 4090 -> four zero nine zero."""
    head, *rest = number.split(".")
    reading = digits(head) if len(head) >= 4 or (len(head) > 1 and head[0] == "0") else cardinal(head)
    return reading + "".join(" point " + digits(p) for p in rest)


def _plural(words: list[str], number: str) -> str:
    return words[0] if number in ("1", "1.0") else words[1]


@functools.lru_cache(maxsize=1)
def _compiled() -> dict[str, re.Pattern[str]]:
    r = _rules()
    months = "|".join(r["months"])
    return {
        "street_after_number": re.compile(
            r"(?<![\w.])(\d+[A-Za-z]?\s+(?:[A-Z][\w'’\-]*\s+){1,3})St\.?(?![A-Za-z])"
        ),
        "street_after_name": re.compile(r"(?<![\w.])([A-Z][a-z]+\s+)St\.(?!\s+[A-Z])"),
        "abbr": re.compile(rf"(?<![A-Za-z])(?<![A-Za-z]\.)(?:{alternation(r['abbreviations'])})(?![A-Za-z])"),
        "number_sign": re.compile(r"(?:\bNo\.|#)\s*(?=\d)"),
        "thousands": re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d])"),
        "money": re.compile(
            rf"({alternation(r['currency'])})\s*(\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|{_NUM})(?:\s*({alternation(r['scale'])})(?![A-Za-z]))?"
        ),
        "iso_date": re.compile(_B + r"(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])"),
        "month_date": re.compile(rf"\b({months})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?(?![\d])"),
        "date_month": re.compile(rf"{_B}(\d{{1,2}})(?:st|nd|rd|th)?\s+({months})(?:,?\s+(\d{{4}}))?(?![\d])"),
        "time": re.compile(_B + r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d])(?=(\s*(?:[AaPp]\.?\s?[Mm]\b\.?))?)"),
        "ratio": re.compile(_B + r"(\d+):(\d+)(?![\d])"),
        "percent_range": re.compile(_B + rf"({_NUM})\s*%?\s*[-~–—]\s*({_NUM})\s*%"),
        "percent": re.compile(_B + rf"({_NUM})\s*%"),
        "ordinal": re.compile(_B + r"(\d+)(?:st|nd|rd|th)\b"),
        "fraction": re.compile(_B + r"(\d+)\s*/\s*(\d+)(?![\d/])"),
        "decade": re.compile(r"(?<![A-Za-z0-9.])'?(\d{2}|1[1-9]\d0|20\d0)'?s\b"),
        "phone": re.compile(_B + r"\(?(\d{3,4})\)?[\s-](\d{3,4})-(\d{4})(?![\d])"),
        "range": re.compile(_B + rf"({_NUM})\s*[-~–—]\s*({_NUM})(?![\d.])"),
        "year": re.compile(_B + r"(1[1-9]\d\d|20\d\d)(?![\d%]|\.\d|\s*%|\s*percent)"),
        "unit": re.compile(_B + rf"({_NUM})\s?({alternation(r['units'])})(?![A-Za-z])"),
        "num_letters": re.compile(_B + rf"({_NUM})([A-Za-z]+)"),
        "dotted_number": re.compile(_B + r"\d+(?:\.\d+){2,}(?![\d])"),
        "negative": re.compile(r"(?<![A-Za-z0-9.])-(?=\d)"),
        "number": re.compile(_NUM),
    }


def _thousands(m: re.Match[str]) -> str:
    # 1,234,567 is an amount: the commas say so, however many digits it has.
    plain = m.group(0).replace(",", "")
    return plain if len(plain) < 7 else cardinal(plain)


def _money(m: re.Match[str]) -> str:
    symbol, num, scale = m.groups()
    num = num.replace(",", "")
    names = _rules()["currency"][symbol]
    if scale:
        return f"{cardinal(num)} {_rules()['scale'][scale]} {names[1]}"
    whole, _, frac = num.partition(".")
    cents = int((frac + "00")[:2]) if frac else 0
    parts = []
    if int(whole) or not cents:
        parts.append(f"{cardinal(whole)} {_plural(names[:2], whole)}")
    if cents:
        parts.append(f"{cardinal(str(cents))} {names[2] if cents == 1 else names[3]}")
    return " and ".join(parts)


def _date(y: str | None, mo: str, d: str) -> str:
    out = f"{mo} {ordinal(d)}"
    return out + (f", {year(y)}" if y else "")


def _iso_date(m: re.Match[str]) -> str:
    y, mo, d = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return m.group(0)
    return _date(y, _rules()["months"][int(mo) - 1], d)


def _time(m: re.Match[str]) -> str:
    h, mi, s, meridiem = m.groups()
    if int(h) > 24 or int(mi) > 59 or (s is not None and int(s) > 59):
        return " to ".join(cardinal(x) for x in (h, mi, s) if x is not None)  # a score: 3:2
    if int(mi) == 0:
        out = cardinal(h) if meridiem else f"{cardinal(h)} o'clock"
    else:
        out = f"{cardinal(h)} {f'oh {cardinal(mi)}' if mi[0] == '0' else cardinal(mi)}"
    if s is not None and int(s):
        # "2:05:30": the seconds are part of the time, never dropped.
        out += f" and {cardinal(s)} {'second' if int(s) == 1 else 'seconds'}"
    return out


def _fraction(m: re.Match[str]) -> str:
    num, den = m.groups()
    if int(den) == 0:
        return f"{cardinal(num)} over zero"
    one = num == "1"
    name = {"2": "half", "4": "quarter"}.get(den) or ordinal(den)
    if not one:
        name = "halves" if name == "half" else name + "s"
    return f"{cardinal(num)} {name}"


def _range(m: re.Match[str]) -> str:
    a, b = m.groups()
    if all(_YEAR_RE.fullmatch(x) for x in (a, b)):
        return f"{year(a)} to {year(b)}"  # 1950-1960
    return f"{cardinal(a)} to {cardinal(b)}"


_YEAR_RE = re.compile(r"1[1-9]\d\d|20\d\d")


def _decade(m: re.Match[str]) -> str:
    words = cardinal(m[1]) if len(m[1]) == 2 else year(m[1])
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _number(m: re.Match[str]) -> str:
    num = m.group(0)
    if "." not in num and len(num) > 1 and num[0] == "0":
        return digits(num)
    if "." not in num and len(num) >= 7:
        return digits(num)  # an identifier or phone number: said digit by digit
    return cardinal(num)


def read_numbers(text: str) -> str:
    """Every number in English text read as words, by context."""
    p = _compiled()
    r = _rules()
    text = text.translate(_FULLWIDTH)
    street = lambda m: m[1] + r["street"]  # noqa: E731 - "221B Baker St." is a street, not a saint
    text = p["street_after_number"].sub(street, text)
    text = p["street_after_name"].sub(street, text)
    text = p["abbr"].sub(lambda m: r["abbreviations"][m.group(0)], text)
    text = p["number_sign"].sub("number ", text)
    text = p["money"].sub(_money, text)
    text = p["thousands"].sub(_thousands, text)
    text = p["iso_date"].sub(_iso_date, text)
    text = p["month_date"].sub(lambda m: _date(m[3], m[1], m[2]), text)
    text = p["date_month"].sub(
        lambda m: f"the {ordinal(m[1])} of {m[2]}" + (f", {year(m[3])}" if m[3] else ""), text
    )
    text = p["time"].sub(_time, text)
    text = p["ratio"].sub(lambda m: f"{cardinal(m[1])} to {cardinal(m[2])}", text)
    text = p["percent_range"].sub(lambda m: f"{cardinal(m[1])} to {cardinal(m[2])} percent", text)
    text = p["percent"].sub(lambda m: f"{cardinal(m[1])} percent", text)
    text = p["ordinal"].sub(lambda m: ordinal(m[1]), text)
    text = p["fraction"].sub(_fraction, text)
    text = p["decade"].sub(_decade, text)
    text = p["phone"].sub(lambda m: ", ".join(digits(g) for g in m.groups()), text)
    text = p["range"].sub(_range, text)
    text = p["year"].sub(lambda m: year(m[1]), text)
    text = p["unit"].sub(lambda m: f"{cardinal(m[1])} {_plural(r['units'][m[2]], m[1])}", text)
    text = p["num_letters"].sub(lambda m: f"{cardinal(m[1])} {m[2]}", text)
    text = latin.DOTTED_RE.sub(lambda m: latin.spell(m.group(0).replace(".", "")), text)
    text = latin.TOKEN_RE.sub(lambda m: latin.read_token(m.group(0), "en", version_number), text)
    text = p["dotted_number"].sub(lambda m: version_number(m.group(0)), text)  # 1.2.3, 10.0.0.1
    # Reading a token can leave an abbreviation it was glued to ("St.St." -> "St dot St."): read it too.
    text = p["abbr"].sub(lambda m: r["abbreviations"][m.group(0)], text)
    text = p["negative"].sub("minus ", text)
    text = p["number"].sub(_number, text)
    # "0.And" read as "zero.And" would be one token ("zero dot And") if read again: a period
    # between words that is left now ends a sentence.
    return _GLUED_PERIOD_RE.sub(". ", text)


_GLUED_PERIOD_RE = re.compile(r"(?<=[A-Za-z])\.(?=[A-Za-z])")
_SYMBOLS_RE = re.compile(r"[+&=×@≈<>]")
_SLASH_RE = re.compile(r"\s*/\s*")
_DASH_RUN_RE = re.compile(r"\s*(?:-{2,}|[—–])\s*")
_LOOSE_DASH_RE = re.compile(r"(?<![A-Za-z])-|-(?![A-Za-z])")
_DROP_RE = re.compile(r"[#~`*_|\\^\[\]{}]")
_SPACE_RE = re.compile(r"[ \t\u3000\u00a0]+")
_SPACE_PUNCT_RE = re.compile(r" +([,;:!?)]|\.(?![A-Za-z0-9]))")  # not " .V": that would make "d.V"
_DUP_PUNCT_RE = re.compile(r"([,;:])[,;:\s]*([,.;:!?]?)")


def _one_mark(m: re.Match[str]) -> str:
    """", ." -> ".": one mark, and a space before a word so "zero, .zero" is no "zero.zero"."""
    if not m.group(2):
        return m.group(1) + " "
    following = m.string[m.end() : m.end() + 1]
    return m.group(2) + (" " if following.isalnum() else "")


def punctuate(text: str) -> str:
    symbols = _rules()["symbols"]
    text = _SYMBOLS_RE.sub(lambda m: symbols[m.group(0)], text)
    text = text.replace("%", " percent").replace("…", "...")
    text = _SLASH_RE.sub(", ", text)
    text = _DASH_RUN_RE.sub(", ", text)
    text = _LOOSE_DASH_RE.sub(" ", text)
    text = _DROP_RE.sub(" ", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = _SPACE_RE.sub(" ", text)
    text = _SPACE_PUNCT_RE.sub(r"\1", text)
    text = _DUP_PUNCT_RE.sub(_one_mark, text)
    return _SPACE_RE.sub(" ", text).strip(" ,;:")
