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

from voicer.model import spoken_text

from .data import bank, bank_language, stopwords
from .punctuate import continues
from .sentences import speech_seconds, words

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
# Score off a break before a unit that goes on with the one before (不仅..., 还...).
CONTINUE_PENALTY = 10.0


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


def is_stopword(word: str, language: str) -> bool:
    """True for a stop word (curly apostrophes read as straight ones: it’s = it's)."""
    w = word.lower().replace("’", "'")
    return w in stopwords(language) or w in stopwords("en")


def content_words(text: str, language: str) -> list[str]:
    minimum = 3 if bank_language(language) == "en" else 2
    return [w for w in words(text, language) if len(w) >= minimum and not is_stopword(w, language)]


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
        if continues(units[i], language, units[i - 1]):
            score -= CONTINUE_PENALTY  # a chapter never opens in the middle of a thought
        scores[i] = score
    return scores


def _segment(units: list[str], secs: list[float], language: str, break_cost: float = 0.0) -> list[int]:
    """Start indexes of body chapters (always includes 0); `break_cost` per break makes fewer,
    longer chapters win."""
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
                    best[i]
                    + (scores[i] - break_cost if i > 0 else 0.0)
                    - 0.5 * abs(dur - TARGET_SECONDS) / TARGET_SECONDS
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


_NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "vn", "nrt", "eng", "x", "an", "j")


def _english_phrases(text: str) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for w in [*re.findall(r"[A-Za-z][A-Za-z'’\-]*|\S", spoken_text(text)), ""]:
        if len(w) >= 3 and not is_stopword(w, "en") and not w.lower().endswith(("'s", "’s")):
            run.append(w)
            continue
        # Every phrase of one to three words in the run ("chip design team": "chip design"...).
        out += [" ".join(run[i : i + n]) for n in (3, 2, 1) for i in range(len(run) - n + 1)]
        run = []
    return out


def collocations(texts: list[str], language: str) -> set[tuple[str, str]]:
    """Adjacent word pairs the texts use together again and again (推荐+系统 jieba cuts as
    verb + noun): `phrases` keeps them as one phrase."""
    if bank_language(language) == "en":
        return set()
    from ..resources import jieba

    pairs: Counter = Counter()
    singles: Counter = Counter()
    for text in texts:
        ws = [w for w in jieba().lcut(spoken_text(text)) if w.strip()]
        singles.update(ws)
        pairs.update(zip(ws, ws[1:], strict=False))
    from .punctuate import _tags

    tags = _tags()
    # Only a noun can end such a compound (推荐+系统, not 苹果+基本上).
    return {
        (a, b)
        for (a, b), n in pairs.items()
        if n >= 3
        and n >= 0.3 * min(singles[a], singles[b])
        # A single character only when the text (nearly) never says it otherwise: 元+宇宙.
        and (len(a) >= 2 or n >= 0.8 * singles[a])
        and len(b) >= 2
        and tags.get(b, "x").startswith(_NOUN_TAGS)
    }


def phrases(text: str, language: str, glue: set[tuple[str, str]] | None = None) -> list[str]:
    """Candidate key phrases of `text`, in order: runs of adjacent noun-like words (人工+智能 ->
    人工智能; "recommender system"), and word pairs in `glue` (`collocations`: 推荐+系统), stop
    words and numbers excluded. Punctuation and markers end a phrase."""
    if bank_language(language) == "en":
        return _english_phrases(text)
    from ..resources import jieba
    from .punctuate import _tags

    tags = _tags()
    banned = set(bank(language)["chapters"]["not_keywords"])
    tails = set(bank(language)["chapters"]["phrase_tail_words"])
    glue = glue or set()
    out: list[str] = []
    run: list[str] = []
    ws = [*jieba().lcut(spoken_text(text)), ""]
    for i, w in enumerate(ws):
        latin = bool(re.match(r"[A-Za-z]", w))
        tag = tags.get(w, "x" if latin else "?")
        after = ws[i + 1] if i + 1 < len(ws) else ""
        nounish = tag.startswith(_NOUN_TAGS) or (w, after) in glue or bool(run and (run[-1], w) in glue)
        if w and nounish and not is_stopword(w, language) and not w.isdigit():
            run.append(w)
            continue
        if w and not w.strip() and run and re.match(r"[A-Za-z]", run[-1]):
            continue  # the space inside "AI Studio"
        # A leading single character goes (该/新...), unless the text always says it with the
        # next word: 元+宇宙 is one word jieba does not know.
        while len(run) > 1 and (
            (len(run[0]) < 2 and (run[0], run[1]) not in glue) or run[0].lower() in banned
        ):
            run.pop(0)
        while len(run) > 1 and (run[-1].lower() in banned or run[-1] in tails):
            run.pop()
        phrase = ""
        for part in run:
            latin_join = phrase and re.match(r"[A-Za-z0-9]", phrase[-1]) and re.match(r"[A-Za-z0-9]", part)
            phrase += (" " if latin_join else "") + part
        if run and 2 <= len(phrase) <= 8:
            out.append(phrase)
        elif run:
            out.append(max(run, key=len))
        run = []
    # A word that says nothing about a topic (基本上, 结果) is no phrase on its own.
    return [p for p in out if len(p) >= 2 and p.lower() not in banned]


def _title_case(phrase: str) -> str:
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in phrase.split())


def keyword_titles(texts: list[str], language: str, taken: set[str] | None = None) -> list[str]:
    """A short title per text: the phrase of its topic (`phrases`) that it uses most and the
    other texts least, longer phrases preferred (推荐系统 over 系统); distinct titles."""
    en = bank_language(language) == "en"
    glue = collocations(texts, language)
    found = [phrases(t, language, glue) for t in texts]
    per = [Counter(p.lower() for p in ps) for ps in found]
    spread = Counter(p for c in per for p in c)
    shown: dict[str, str] = {}
    for ps in found:
        for p in ps:
            # Llama rather than llama: the capitalized spelling when the text has one.
            if p.lower() not in shown or (p[:1].isupper() and not shown[p.lower()][:1].isupper()):
                shown[p.lower()] = p
    used = set(taken or ())
    titles: list[str] = []
    for counts in per:
        def score(p: str, counts: Counter = counts) -> float:
            specific = 1.0 if len(texts) < 3 else math.log((len(texts) + 1) / spread[p])
            long = 2.0 if len(p) >= (10 if en else 4) else 1.0
            return counts[p] * specific * long

        ranked = sorted(counts, key=lambda p: -score(p))
        title = next((shown[p] for p in ranked if shown[p] not in used), "")
        if en:
            title = _title_case(title)
        if not title or title in used:
            title = bank(language)["chapters"]["part_title"].format(n=len(titles) + 1)
        used.add(title)
        titles.append(title)
    return titles


def split_heading(units: list[str], title: str, language: str) -> list[Span]:
    """A heading's chapter as it is, or, when it runs past `MAX_SECONDS`, cut at its topic
    shifts into parts of 2-8 minutes titled "title", "title (2)", "title (3)"..."""
    secs = [speech_seconds(u, language) for u in units]
    if sum(secs) <= MAX_SECONDS or len(units) < 2:
        return [Span(0, len(units), title)]
    starts = _segment(units, secs, language, break_cost=10.0)  # as few parts as fit in 8 minutes
    ends = [*starts[1:], len(units)]
    pairs = zip(starts, ends, strict=True)
    return [Span(s, e, title if k == 0 else f"{title} ({k + 1})") for k, (s, e) in enumerate(pairs)]


def _settle(units: list[str], i: int, language: str, limit: int) -> int:
    """Break index `i` moved past units that go on with the one before (at most 3, below
    `limit`): a chapter never opens in the middle of a thought."""
    for _ in range(3):
        if not 0 < i < limit or not continues(units[i], language, units[i - 1]):
            break
        i += 1
    return i


def find_chapters(units: list[str], language: str) -> list[Span]:
    """Chapters over `units` by topic shift, with intro/outro when present."""
    table = bank(language)["chapters"]
    secs = [speech_seconds(u, language) for u in units]
    n = len(units)
    intro = _settle(units, _intro_end(units, secs, language), language, n - 1)
    outro = _settle(units, _outro_start(units, secs, language, intro), language, n)
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
