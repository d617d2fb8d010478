"""language_spans(): split text into runs an engine should read in one language."""

from __future__ import annotations

import re

from voicer.text.normalize import language_code

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_RUN_RE = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007]+)|([A-Za-z\u00c0-\u024f]+)|(\d+)")


def language_spans(text: str, language: str) -> list[tuple[str, str]]:
    """(span, "zh"|"en") pieces whose concatenation is `text`.

    Han characters are "zh", Latin letters "en"; digits go with the language of the text;
    spaces and punctuation join the span before them (the first span takes leading ones),
    so no span is punctuation alone unless the text has nothing else.
    """
    default = language_code(language)
    spans: list[list[str]] = []
    pos = 0
    for m in _RUN_RE.finditer(text):
        start = m.start()
        lang = "zh" if m.group(1) else "en" if m.group(2) else default
        if m.group(3) and spans and start == pos:
            lang = spans[-1][1]  # digits glued to a word belong to it ("H100")
        if spans:
            spans[-1][0] += text[pos:start]  # neutral characters join the previous span
            if spans[-1][1] == lang:
                spans[-1][0] += m.group(0)
            else:
                spans.append([m.group(0), lang])
        else:
            spans.append([text[pos:start] + m.group(0), lang])
        pos = m.end()
    if not spans:
        return [(text, default)] if text else []
    spans[-1][0] += text[pos:]
    return [(s, lang) for s, lang in spans]
