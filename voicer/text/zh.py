"""Mandarin readings: numbers in context, dates, times, money, units, punctuation.

cn2an reads plain integers right (35万 -> 三十五万); everything around it (dates, versions,
"GPT-4", ranges, years, phone numbers, 两) is decided here, before cn2an sees a number.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from voicer.text import latin
from voicer.text.tables import alternation, table

_DIGITS = "零一二三四五六七八九"
_YAO_DIGITS = "零幺二三四五六七八九"
_B = r"(?<![A-Za-z0-9.])"  # a number that is not glued to a Latin word or another number
_NUM = r"\d+(?:\.\d+)?"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ZH_PUNCT = "，。！？；：、（）《》「」『』“”‘’【】…—"
_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, **{chr(0xFF21 + i): chr(65 + i) for i in range(26)}}
    | {chr(0xFF41 + i): chr(97 + i) for i in range(26)}
    | {"％": "%", "＋": "+", "＄": "$", "．": ".", "－": "-", "−": "-"}
)


@functools.lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    return table("zh")


@functools.lru_cache(maxsize=4096)
def _an2cn(integer: str) -> str:
    import cn2an  # imported lazily: it pulls in its own data at import time

    return cn2an.an2cn(integer)


def digits(s: str, yao: bool = False) -> str:
    """Digit by digit: 2018 -> 二零一八 (phone-like strings read 1 as 幺)."""
    table_ = _YAO_DIGITS if yao else _DIGITS
    return "".join(table_[int(c)] for c in s if c.isdigit())


def _fix_liang(reading: str) -> str:
    # 二千/二万/二亿 at the start or after 万/亿/零 is said 两千/两万/两亿.
    return re.sub(r"(?:(?<=^)|(?<=[万亿零]))二(?=[千万亿])", "两", reading)


def cardinal(number: str, liang: bool = True) -> str:
    """3 -> 三, 350000 -> 三十五万, 3.14 -> 三点一四, 20000 -> 两万."""
    int_part, _, frac = number.partition(".")
    int_part = int_part.lstrip("0") or "0"
    if len(int_part) > 16:  # beyond cn2an's range: no one says such a number anyway
        reading = digits(int_part)
    else:
        reading = _an2cn(int_part)
        if liang:
            reading = _fix_liang(reading)
    return reading + ("点" + digits(frac) if frac else "")


def version_number(number: str) -> str:
    """A number inside a product name: 3.1 -> 三点一, 4090 -> 四零九零, 1.2.3 -> 一点二点三."""
    head, *rest = number.split(".")
    if len(head) >= 4 or (len(head) > 1 and head[0] == "0"):
        reading = digits(head)
    else:
        reading = cardinal(head, liang=False)
    return reading + "".join("点" + digits(p) for p in rest)


def _amount(value: Decimal) -> str:
    value = value.normalize()
    text = format(value, "f")
    return cardinal(text)


# ---------------------------------------------------------------- rules


@functools.lru_cache(maxsize=1)
def _compiled() -> dict[str, re.Pattern[str]]:
    r = _rules()
    currency = alternation(r["currency"])
    scale = alternation(r["scale"])
    units = alternation(r["units"])
    liang = alternation(r["liang_measure_words"])
    amount = alternation(r["amount_words"])
    return {
        "thousands": re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d])"),
        "money": re.compile(
            rf"({currency})\s*(\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|{_NUM})(?:\s*({scale})(?![A-Za-z]))?\s*([万亿千百]*)"
        ),
        "date_ymd": re.compile(_B + r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])"),
        "date_ym": re.compile(_B + r"(\d{4})[-/](0[1-9]|1[0-2])(?![\d\-/])"),
        "year_range": re.compile(_B + r"(\d{4})\s*[-~～–—至到]\s*(\d{4})(?=\s*年)"),
        "year": re.compile(_B + r"(\d{4})(?=\s*年)"),
        "time": re.compile(_B + r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?![\d])"),
        "ratio": re.compile(_B + r"(\d+)[:：](\d+)(?![\d])"),
        "percent_range": re.compile(_B + rf"({_NUM})\s*[%％]?\s*[-~～–—至到]\s*({_NUM})\s*[%％]"),
        "percent": re.compile(_B + rf"({_NUM})\s*([%％‰])"),
        "fraction": re.compile(_B + r"(\d+)\s*/\s*(\d+)(?![\d/])"),
        # 400-820-8820, 021-6234-5678: a phone number in three groups, said digit by digit.
        "phone_groups": re.compile(_B + r"(\d{3,4})-(\d{3,4})-(\d{4})(?![\d\-])"),
        "phone_dash": re.compile(_B + r"(\d{3,4})-(\d{7,8})(?![\d])"),
        "mobile": re.compile(_B + r"(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d])"),
        "decade": re.compile(_B + r"(\d{2}|1[1-9]\d0|20\d0)'?s(?![A-Za-z])"),
        # A dash between two readings ("三点-五点", "二零一八年-二零二零年") is a range.
        "reading_range": re.compile(
            r"(?<=[零一二三四五六七八九十百千万亿两点分秒年月日号])\s*[-~～–]\s*(?=[零一二三四五六七八九十两])"
        ),
        "range": re.compile(_B + rf"({_NUM})\s*[-~～–—]\s*({_NUM})(?![\d.])(?=\s*({liang})?)"),
        "unit": re.compile(_B + rf"({_NUM})\s?({units})(?![A-Za-z])"),
        "num_letters": re.compile(_B + rf"({_NUM})([A-Za-z]+)"),
        "dotted_number": re.compile(_B + r"\d+(?:\.\d+){2,}(?![\d])"),
        "negative": re.compile(r"(?<![A-Za-z0-9.])-(?=\d)"),
        "number": re.compile(rf"(第\s*)?({_NUM})(?=\s*(({liang})|({amount}))?)"),
    }


def _date_ymd(m: re.Match[str]) -> str:
    y, _, mo, d = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return m.group(0)
    return f"{digits(y)}年{cardinal(mo, False)}月{cardinal(d, False)}日"


def _time(m: re.Match[str]) -> str:
    h, mi, s = m.groups()
    if int(h) > 24 or int(mi) > 59 or (s and int(s) > 59):
        return f"{cardinal(h)}比{cardinal(mi)}"
    out = ("两" if int(h) == 2 else cardinal(h)) + "点"
    if int(mi):
        out += ("零" if mi[0] == "0" else "") + cardinal(mi, False) + "分"
    elif s and int(s):
        out += "零分"  # 2:00:30 -> 两点零分三十秒
    if s and int(s):
        out += ("零" if s[0] == "0" else "") + cardinal(s, False) + "秒"
    return out


def _thousands(m: re.Match[str]) -> str:
    # 600,000 is an amount: the commas say so, however many digits it has.
    plain = m.group(0).replace(",", "")
    return plain if len(plain) < 7 else cardinal(plain)


def _money(m: re.Match[str]) -> str:
    symbol, num, scale, han_scale = m.groups()
    num = num.replace(",", "")
    try:
        value = Decimal(num) * Decimal(_rules()["scale"][scale]) if scale else Decimal(num)
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return m.group(0)
    return _amount(value) + han_scale + _rules()["currency"][symbol]


def _number(m: re.Match[str]) -> str:
    ordinal, num, _, liang_word, amount_word = m.groups()
    if ordinal:
        return "第" + cardinal(num, liang=False)
    if "." not in num and len(num) > 1 and num[0] == "0":
        return digits(num)  # 007, 0755
    if "." not in num and len(num) >= 7 and not (liang_word or amount_word):
        return digits(num, yao=True)  # an identifier or phone number, not an amount
    if num == "2" and liang_word:
        return "两"
    return cardinal(num)


def _unit(m: re.Match[str]) -> str:
    num, unit = m.groups()
    reading = _rules()["units"][unit]
    if num == "2" and reading in _rules()["liang_measure_words"]:
        return "两" + reading  # 2h -> 两小时
    return cardinal(num) + reading


def _range(m: re.Match[str]) -> str:
    a, b, liang_word = m.groups()
    first = "两" if a == "2" and liang_word else cardinal(a)
    second = "两" if b == "2" and liang_word else cardinal(b)
    return f"{first}到{second}"


def read_numbers(text: str) -> str:
    """Every ASCII number in Mandarin text read in Chinese, by context."""
    p = _compiled()
    text = text.translate(_FULLWIDTH)
    text = p["money"].sub(_money, text)
    text = p["thousands"].sub(_thousands, text)
    text = p["date_ymd"].sub(_date_ymd, text)
    text = p["date_ym"].sub(lambda m: f"{digits(m[1])}年{cardinal(m[2], False)}月", text)
    text = p["year_range"].sub(lambda m: f"{digits(m[1])}到{digits(m[2])}", text)
    text = p["year"].sub(lambda m: digits(m[1]), text)
    text = p["time"].sub(_time, text)
    text = p["ratio"].sub(lambda m: f"{cardinal(m[1])}比{cardinal(m[2])}", text)
    text = p["percent_range"].sub(lambda m: f"百分之{cardinal(m[1])}到百分之{cardinal(m[2])}", text)
    text = p["percent"].sub(lambda m: ("千分之" if m[2] == "‰" else "百分之") + cardinal(m[1]), text)
    text = p["fraction"].sub(lambda m: f"{cardinal(m[2])}分之{cardinal(m[1])}", text)
    text = p["phone_groups"].sub(lambda m: "，".join(digits(g, True) for g in m.groups()), text)
    text = p["phone_dash"].sub(lambda m: digits(m[1], True) + digits(m[2], True), text)
    text = p["mobile"].sub(lambda m: digits(m[1] + m[2] + m[3], True), text)
    text = p["decade"].sub(lambda m: (cardinal(m[1]) if len(m[1]) == 2 else digits(m[1])) + "年代", text)
    text = p["range"].sub(_range, text)
    text = p["reading_range"].sub("到", text)
    text = p["unit"].sub(_unit, text)
    text = p["num_letters"].sub(lambda m: f"{cardinal(m[1])} {m[2]}", text)
    text = latin.DOTTED_RE.sub(lambda m: latin.spell(m.group(0).replace(".", "")), text)
    text = latin.TOKEN_RE.sub(lambda m: latin.read_token(m.group(0), "zh", version_number), text)
    text = p["dotted_number"].sub(lambda m: version_number(m.group(0)), text)  # 1.2.3 -> 一点二点三
    text = p["negative"].sub("负", text)
    return p["number"].sub(_number, text)


# ------------------------------------------------------------ punctuation

_SYMBOLS_RE = re.compile(r"[+&=×@≈<>]")
_SLASH_LATIN_RE = re.compile(r"(?<=[A-Za-z])\s*/\s*(?=[A-Za-z])")
_DASH_RUN_RE = re.compile(r"\s*(?:[-—–]{2,}|——)\s*")
_ELLIPSIS_RE = re.compile(r"\s*(?:\.{3,}|…+)\s*")
_LOOSE_DASH_RE = re.compile(r"(?<![A-Za-z])-|-(?![A-Za-z])")
_ASCII_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！"})
_PERIOD_RE = re.compile(r"\.(?![A-Za-z0-9])")
_SPACE_RE = re.compile(r"[ \t\u3000\u00a0]+")
_HAN_SPACE_RE = re.compile(rf"(?<=[{_HAN}{_ZH_PUNCT}]) (?=[{_HAN}{_ZH_PUNCT}])")
_SPACE_PUNCT_RE = re.compile(r" ?([，。！？；：、）」』”】]) ?")
_DUP_PUNCT_RE = re.compile(r"([，、；：])[，、；：\s]*([，。！？；：、]?)")
_EMPTY_PARENS_RE = re.compile(r"[（(]\s*[）)]")
_DROP_RE = re.compile(r"[#%~\"`*_|\\^\[\]{}]")
_QUOTED_RE = re.compile(r'"([^"\n]*)"')


_NUMERALS = set("零〇一二三四五六七八九十百千万亿两幺点")


def _han_space(m: re.Match[str]) -> str:
    # Keep a space between two number readings ("二点五 七十二"): it separates two numbers.
    s, i = m.string, m.start()
    return " " if s[i - 1] in _NUMERALS and s[i + 1] in _NUMERALS else ""


def punctuate(text: str) -> str:
    """Symbols read as words; ASCII punctuation made full-width so prosody stays Mandarin."""
    symbols = _rules()["symbols"]
    text = _SYMBOLS_RE.sub(lambda m: symbols[m.group(0)], text)
    text = _SLASH_LATIN_RE.sub("、", text).replace("/", "，")
    text = _DASH_RUN_RE.sub("，", text)
    text = _ELLIPSIS_RE.sub("，", text)
    text = _LOOSE_DASH_RE.sub(" ", text)
    text = _PERIOD_RE.sub("。", text.translate(_ASCII_PUNCT))
    text = _QUOTED_RE.sub(r"“\1”", text)
    text = _DROP_RE.sub(" ", text)
    text = _EMPTY_PARENS_RE.sub("", text)
    text = _SPACE_RE.sub(" ", text)
    text = _HAN_SPACE_RE.sub(_han_space, text)
    text = _SPACE_PUNCT_RE.sub(r"\1", text)
    text = _DUP_PUNCT_RE.sub(lambda m: m.group(2) or m.group(1), text)
    return text.strip(" ，、；：")
