"""Chapters: from headings, or by topic shift when the transcript has none.

Topic shifts are found over *units* (sentences of a monologue, turns of an
interview): the lexical cohesion between the words of a window of units before and
after each gap (jieba words minus the stop words in ``data/stopwords.*.txt``), plus
a bonus where a unit opens with a cue phrase (下一个话题/接下来/最后/"moving on", in
``data/<lang>.toml``). Dynamic programming picks the gaps with the lowest cohesion
so that every chapter lasts between `MIN_SECONDS` and `MAX_SECONDS` of estimated
speech (`data.speech_seconds`). A greeting at the start makes an intro chapter
(through the "today we..." agenda sentence); closing lines at the end make an outro.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .data import bank, bank_language, speech_seconds, stopwords
from .sentences import words

# A keyword must hold a letter or Han character (jieba also returns "..." and numbers).
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
MIN_SECONDS = 120.0
MAX_SECONDS = 480.0
TARGET_SECONDS = 300.0
# Intro: the agenda sentence must come within this much speech of the start;
# outro: the closing lines must start within this much speech of the end.
INTRO_SECONDS = 180.0
OUTRO_SECONDS = 120.0
WINDOW_SECONDS = 60.0


@dataclass
class Span:
    """Units [start, end) forming one chapter; kind is "intro", "body" or "outro"."""

    start: int
    end: int
    title: str
    kind: str = "body"


def _contains(text: str, phrases: list[str], language: str) -> bool:
    t = text.lower() if bank_language(language) == "en" else text
    return any(p in t for p in phrases)


def _starts(text: str, phrases: list[str], language: str) -> bool:
    t = text.lower().lstrip() if bank_language(language) == "en" else text.lstrip()
    return any(t.startswith(p) for p in phrases)


def content_words(text: str, language: str) -> list[str]:
    stop = stopwords(language)
    minimum = 3 if bank_language(language) == "en" else 2
    return [w for w in words(text, language) if len(w) >= minimum and w.lower() not in stop]


def _intro_end(units: list[str], secs: list[float], language: str) -> int:
    table = bank(language)["chapters"]
    if not units or not any(_contains(u, table["greetings"], language) for u in units[:2]):
        return 0
    elapsed = 0.0
    for i, u in enumerate(units):
        elapsed += secs[i]
        if elapsed > INTRO_SECONDS:
            break
        if _contains(u, table["agenda"], language):
            return i + 1
    # Greeting without an agenda line: the greeting sentences alone.
    return 1 if not _contains(units[1] if len(units) > 1 else "", table["greetings"], language) else 2


def _outro_start(units: list[str], secs: list[float], language: str, floor: int) -> int:
    table = bank(language)["chapters"]
    n = len(units)
    if n - floor < 2 or not any(_contains(u, table["closings"], language) for u in units[-2:]):
        return n
    start, elapsed = n, 0.0
    for i in range(n - 1, floor, -1):
        elapsed += secs[i]
        if elapsed > OUTRO_SECONDS:
            break
        if _contains(units[i], table["closings"], language):
            start = i
    return start


def _cosine(a: Counter, b: Counter) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _gap_scores(units: list[str], secs: list[float], language: str) -> list[float]:
    """Score for a chapter break before unit i (index i, i >= 1): high where the
    words before and after differ (low cohesion) or a cue phrase opens unit i."""
    table = bank(language)["chapters"]
    bags = [Counter(content_words(u, language)) for u in units]
    n = len(units)
    sims = [0.0] * n
    for i in range(1, n):
        left: Counter = Counter()
        t, j = 0.0, i - 1
        while j >= 0 and t < WINDOW_SECONDS:
            left.update(bags[j])
            t += secs[j]
            j -= 1
        right: Counter = Counter()
        t, j = 0.0, i
        while j < n and t < WINDOW_SECONDS:
            right.update(bags[j])
            t += secs[j]
            j += 1
        sims[i] = _cosine(left, right)
    inner = sims[1:] or [0.0]
    mean = sum(inner) / len(inner)
    std = math.sqrt(sum((s - mean) ** 2 for s in inner) / len(inner)) or 1.0
    scores = [0.0] * n
    for i in range(1, n):
        score = (mean - sims[i]) / std
        if _starts(units[i], table["cue_starts"], language) or _contains(
            units[i], table["cue_contains"], language
        ):
            score += 1.5
        scores[i] = score
    return scores


def _segment(units: list[str], secs: list[float], language: str) -> list[int]:
    """Start indexes of body chapters (always includes 0)."""
    n = len(units)
    total = sum(secs)
    if n < 2 or total < 2 * MIN_SECONDS:
        return [0]
    scores = _gap_scores(units, secs, language)
    prefix = [0.0]
    for s in secs:
        prefix.append(prefix[-1] + s)
    lo, hi = MIN_SECONDS, MAX_SECONDS
    for _ in range(4):  # widen the bounds when no partition fits them
        best = [-math.inf] * (n + 1)
        back = [0] * (n + 1)
        best[0] = 0.0
        for j in range(1, n + 1):
            for i in range(j - 1, -1, -1):
                dur = prefix[j] - prefix[i]
                if dur > hi:
                    break
                if dur < lo or best[i] == -math.inf:
                    continue
                # Reward low-cohesion breaks; mildly prefer chapters near the target length.
                value = (
                    best[i] + (scores[i] if i > 0 else 0.0) - 0.5 * abs(dur - TARGET_SECONDS) / TARGET_SECONDS
                )
                if value > best[j]:
                    best[j], back[j] = value, i
        if best[n] > -math.inf:
            starts, j = [], n
            while j > 0:
                starts.append(back[j])
                j = back[j]
            return sorted(starts)
        lo, hi = lo / 2, hi * 2
    return [0]


def _compounds(texts: list[str], language: str) -> dict[str, str]:
    """Word pairs jieba splits but the text always uses together (扎克+伯格), as
    {first: whole, second: whole}: names it does not know would make half titles."""
    pairs: Counter = Counter()
    singles: Counter = Counter()
    for text in texts:
        ws = words(text, language)
        singles.update(ws)
        pairs.update(zip(ws, ws[1:], strict=False))
    out: dict[str, str] = {}
    for (a, b), n in pairs.items():
        if n >= 3 and n >= 0.8 * singles[a] and n >= 0.8 * singles[b] and len(a + b) <= 6 and a != b:
            out.setdefault(a, a + b)
            out.setdefault(b, a + b)
    return out


def keyword_titles(texts: list[str], language: str, taken: set[str] | None = None) -> list[str]:
    """A short descriptive title per text from its top keywords (jieba TF-IDF for
    Chinese), preferring words that are not spread over all the texts."""
    table = bank(language)["chapters"]
    en = bank_language(language) == "en"
    stop = stopwords(language)
    ranked: list[list[str]] = []
    compounds = {} if en else _compounds(texts, language)
    for text in texts:
        if en:
            counts = Counter(content_words(text, language))
            ranked.append([w for w, _ in counts.most_common(12)])
        else:
            import jieba.analyse

            from .sentences import _jieba

            _jieba()  # quiet logging before jieba.analyse builds its tokenizer
            tags = jieba.analyse.extract_tags(text, topK=12)
            whole = [
                compounds.get(t, t) for t in tags if t not in stop and len(t) >= 2 and _WORDLIKE.search(t)
            ]
            ranked.append(list(dict.fromkeys(whole)))
    spread = Counter(w for r in ranked for w in set(r))
    used = set(taken or ())
    titles: list[str] = []
    for r in ranked:
        # Words in most texts (the episode's overall subject) say little about one chapter.
        specific = [w for w in r if len(texts) < 3 or spread[w] <= max(1, len(texts) // 2)]
        pool = specific + [w for w in r if w not in specific]
        title = ""
        for k in range(max(1, len(pool) - 1)):
            pick = pool[k : k + 2] if len(pool) > 1 else pool[:1]
            if en:
                pick = [p.capitalize() if p.islower() else p for p in pick]
            title = table["title_joiner"].join(pick)
            if title not in used:
                break
        used.add(title)
        titles.append(title)
    return titles


def find_chapters(units: list[str], language: str) -> list[Span]:
    """Chapters over `units` by topic shift, with intro/outro when present."""
    table = bank(language)["chapters"]
    secs = [speech_seconds(u, language) for u in units]
    n = len(units)
    intro = _intro_end(units, secs, language)
    outro = _outro_start(units, secs, language, intro)
    spans: list[Span] = []
    if intro:
        spans.append(Span(0, intro, table["intro_title"], "intro"))
    body_units = units[intro:outro]
    if body_units:
        starts = _segment(body_units, secs[intro:outro], language)
        ends = [*starts[1:], len(body_units)]
        texts = ["".join(body_units[s:e]) for s, e in zip(starts, ends, strict=True)]
        titles = keyword_titles(texts, language, {table["intro_title"], table["outro_title"]})
        spans += [Span(intro + s, intro + e, t) for s, e, t in zip(starts, ends, titles, strict=True)]
    if outro < n:
        spans.append(Span(outro, n, table["outro_title"], "outro"))
    return spans
