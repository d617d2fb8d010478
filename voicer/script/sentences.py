"""Sentence segmentation for Chinese and English, also for unpunctuated subtitles.

A *sentence* here is the script stage's unit of segmentation (what the "every
sentence exactly once" and "at most 4 sentences per turn" rules count):

- Text with sentence-final punctuation (。！？!? ...) is split there.
- Each source line is a clause boundary. Unpunctuated clauses are grouped into
  sentences: a sentence ends after a clause whose last word is a sentence-final
  particle (了/吗/呢/吧/啊...), before a clause that starts with a cue word
  (但是/所以/首先/最后/今天...; "but", "so", "finally"... in English) once the
  sentence has some substance, and before it would grow past `max_chars` Han
  characters (`max_words` English words). All lists live in ``data/<lang>.toml``.
- Clauses that are joined get "，" (Chinese) or " " (English) between them, and an
  unpunctuated sentence ends with "。"/"？" (". "/"?"), a question being one whose
  last word is a question particle (吗/呢/么) or, in English, whose first word is
  an auxiliary or wh-word. Only punctuation is ever added: the characters of the
  source (`content_chars`) come out unchanged and in order.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from voicer.model import MARKER_RE, spoken_text

from .data import bank, bank_language

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")
_CONTENT_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
# A Chinese sentence ends at 。！？!?… (plus closing quotes/brackets and markers after it).
_ZH_SENT_RE = re.compile(
    r".*?(?:[。！？!?…]+|(?<![0-9])\.(?=\s|$))[”’\"」』）)]*(?:\s*\[[^\[\]\n]*\])*", re.S
)
_EN_SENT_RE = re.compile(r".*?[.!?…]+[\"'”’)\]]*(?:\s*\[[^\[\]\n]*\])*(?=\s|$)", re.S)
_FINAL_PUNCT = "。！？!?….;；"
_ANY_PUNCT = _FINAL_PUNCT + "，,、：:—-"


def han_count(text: str) -> int:
    return len(_HAN_RE.findall(text))


def latin_words(text: str) -> list[str]:
    return _LATIN_WORD_RE.findall(text)


def content_chars(text: str) -> str:
    """Han characters, Latin letters and digits of the spoken text, in order
    (what must survive segmentation and casting unchanged)."""
    return "".join(_CONTENT_RE.findall(spoken_text(text)))


def size(text: str, language: str) -> int:
    """Length for the turn/sentence limits: Han characters (zh) or words (en)."""
    text = spoken_text(text)
    return len(latin_words(text)) if bank_language(language) == "en" else han_count(text)


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:  # jieba ships no type hints
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter is noise for users
    return jieba


def words(text: str, language: str) -> list[str]:
    """Words of `text` (jieba for Chinese), markers and punctuation removed."""
    text = spoken_text(text)
    if bank_language(language) == "en":
        return [w.lower() for w in latin_words(text)]
    return [w for w in _jieba().lcut(text) if w.strip() and _CONTENT_RE.search(w)]


def _starts_with_cue(clause: str, cues: list[str], language: str) -> bool:
    ws = words(clause, language)
    if not ws:
        return False
    if bank_language(language) == "en":
        head = " ".join(ws[:3])
        return any(head == c or head.startswith(c + " ") for c in cues)
    # Match whole jieba words only, so 所以 does not match 所以然.
    prefix = ""
    for w in ws[:4]:
        prefix += w
        if prefix in cues:
            return True
    return False


def _pieces(line: str, language: str) -> list[tuple[str, bool]]:
    """Split one source line into (text, closed) pieces; closed = ends a sentence."""
    pattern = _EN_SENT_RE if bank_language(language) == "en" else _ZH_SENT_RE
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(line):
        piece = m.group(0).strip()
        pos = m.end()
        if piece:
            out.append((piece, True))
    tail = line[pos:].strip()
    if tail:
        if MARKER_RE.sub("", tail).strip() == "" and out:
            out[-1] = (out[-1][0] + tail, True)  # a lone trailing marker belongs to the sentence before
        else:
            out.append((tail, False))
    return out


def _ends_with_punct(text: str, chars: str) -> bool:
    t = spoken_text(text).rstrip('”’"」』）)')
    return bool(t) and t[-1] in chars


def _is_question(clause: str, language: str, table: dict) -> bool:
    ws = words(clause, language)
    if not ws:
        return False
    if bank_language(language) == "en":
        return ws[0] in table["question_words"]
    return ws[-1] in table["question_particles"]


def _close(parts: list[str], language: str, question: bool) -> str:
    """Join clauses and end the sentence with punctuation when it has none."""
    en = bank_language(language) == "en"
    text = ""
    for part in parts:
        if text:
            if en:
                text += " "
            elif not _ends_with_punct(text, _ANY_PUNCT):
                text += "，"
        text += part
    if not _ends_with_punct(text, _FINAL_PUNCT):
        if _ends_with_punct(text, "，,、：:"):
            # Replace a dangling comma; markers after it stay where they were.
            text = re.sub(r"[，,、：:](\s*(?:\[[^\[\]\n]*\]\s*)*)$", r"\1", text)
        mark = ("?" if question else ".") if en else ("？" if question else "。")
        m = re.search(r"(\s*(?:\[[^\[\]\n]*\]\s*)*)$", text)
        text = text[: m.start()] + mark + text[m.start() :]
    return text


def _boundary_score(prev: str, nxt: str, language: str, table: dict, cues: list[str]) -> float:
    """How much a clause boundary looks like a sentence end (positive) or a
    clause inside one sentence (negative), from the word lists in the data file."""
    pw, nw = words(prev, language), words(nxt, language)
    if not pw or not nw:
        return 0.0
    score = 0.0
    last = pw[-1]
    before = pw[-2] if len(pw) > 1 else ""
    if last in table["continue_ends"] or (last == "了" and before in table["continue_ends"]):
        score -= 3
    elif last in table["final_particles"]:
        score += 3 if last == "了" else 4
    if _starts_with_cue(nxt, cues, language):
        score += 2
    if any(c in nxt for c in bank(language)["chapters"]["cue_contains"]):
        score += 3  # "下一个话题..." opens a topic, so certainly a sentence
    if nw[0] in table["continue_starts"]:
        score -= 2
    elif nw[0] in table["subject_starts"]:
        score += 1
    return score


def _length_cost(n: int, table: dict, single: bool) -> float:
    if n > table["hard_max"] and not single:
        return float("inf")
    if n < table["target_min"]:
        return (table["target_min"] - n) * 0.3
    if n > table["target_max"]:
        return (n - table["target_max"]) * 0.15
    return 0.0


def _group(block: list[str], language: str, table: dict, cues: list[str]) -> list[list[str]]:
    """Partition a run of clauses into sentences: dynamic programming over the
    clause boundaries, trading boundary scores against sentence length."""
    n = len(block)
    sizes = [size(c, language) for c in block]
    scores = [_boundary_score(block[i - 1], block[i], language, table, cues) for i in range(1, n)]
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        total = 0
        for i in range(j - 1, -1, -1):
            total += sizes[i]
            cost = _length_cost(total, table, single=(i == j - 1))
            if cost == float("inf"):
                break
            # A boundary at i (before clause i) is rewarded by its score.
            c = best[i] + cost - (scores[i - 1] if i > 0 else 0.0)
            if c < best[j]:
                best[j], back[j] = c, i
    groups: list[list[str]] = []
    j = n
    while j > 0:
        groups.append(block[back[j] : j])
        j = back[j]
    return groups[::-1]


def split_sentences(text: str, language: str) -> list[str]:
    """Sentences of `text` ("zh", "en" or "mixed"), punctuation added where the source
    has none (see the module docstring for the rules)."""
    table = bank(language)["sentences"]
    en = bank_language(language) == "en"
    cues = [c.lower() for c in table["start_cues"]] if en else table["start_cues"]
    # Blocks of clauses that end at a sentence-final punctuation mark (or the end).
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        for piece, closed in _pieces(line.strip(), language):
            if not content_chars(piece):
                # Only markers or punctuation: keep it with the clause it follows.
                if current:
                    current[-1] += piece
                elif blocks:
                    blocks[-1][-1] += piece
                else:
                    current.append(piece)
                continue
            current.append(piece)
            if closed:
                blocks.append(current)
                current = []
    if current:
        blocks.append(current)
    sentences: list[str] = []
    for block in blocks:
        for parts in _group(block, language, table, cues):
            sentences.append(_close(parts, language, _is_question(parts[-1], language, table)))
    return sentences
