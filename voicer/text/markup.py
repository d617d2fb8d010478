"""Remove what is never spoken: ``[...]`` markers, stage directions, markdown remnants, URLs."""

from __future__ import annotations

import re

from voicer.ingest import drop_asides
from voicer.model import MARKER_RE

# A URL may hold one level of parentheses (".../filters:no_upscale()?...").
_URL_IN_PARENS = r"\((?:[^()\s]|\([^()\s]*\))*\)"
_IMAGE_RE = re.compile(r"!\[[^\[\]\n]*\]" + _URL_IN_PARENS)
_LINK_RE = re.compile(r"\[([^\[\]\n]*)\]" + _URL_IN_PARENS)
_URL_RE = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_DOMAIN_ONLY_RE = re.compile(r"^\s*(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}(?:/\S*)?\s*$")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][^<>\n]*>")
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+|$)|[ \t]+#+[ \t]*$", re.MULTILINE)
_RULE_LINE_RE = re.compile(r"^[ \t]*(?:[=\-*_][ \t]*){3,}$", re.MULTILINE)
_QUOTE_RE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
_BULLET_RE = re.compile(r"^[ \t]*[-*+•][ \t]+", re.MULTILINE)
_EMPHASIS_RE = re.compile(r"\*+|_{2,}|`+|~~")
_STRAY_RE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|[|\\^]")


def _link_text(m: re.Match[str]) -> str:
    text = m.group(1)
    # A link whose text is itself an address ("[mp.weixin.qq.com](...)") says nothing.
    return "" if _DOMAIN_ONLY_RE.match(text) or _URL_RE.match(text) else text


def strip_unspoken(text: str) -> str:
    """Text without markers, stage directions, markdown syntax, links' targets or URLs."""
    text = _IMAGE_RE.sub("", text)
    text = _LINK_RE.sub(_link_text, text)
    text = _URL_RE.sub("", text)
    text = MARKER_RE.sub("", text)
    text = drop_asides(text)
    text = _HTML_TAG_RE.sub("", text)
    text = _RULE_LINE_RE.sub("", text)
    text = _HEADING_RE.sub("", text)
    text = _QUOTE_RE.sub("", text)
    text = _BULLET_RE.sub("", text)
    text = _EMPHASIS_RE.sub("", text)
    return _STRAY_RE.sub(" ", text)
