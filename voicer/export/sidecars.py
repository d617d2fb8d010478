"""Sidecar files beside the audio: Podcasting 2.0 chapters JSON, SRT, WebVTT, Markdown show notes.

Cue timing comes from the real turn times of the timeline. A long turn is cut
into several cues at clause boundaries, timed proportionally by characters,
with the first cue starting at the turn start and the last ending at its end.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from voicer.export.id3 import language_facts, playable_chapters
from voicer.model import Script, TimedTurn, Timeline

_CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
# Good places to cut a cue: after clause punctuation, else at a space.
_BREAK_AFTER = set("，。！？；：、,.!?;:…")


@dataclass
class Cue:
    start: float
    end: float
    name: str
    text: str


def _weight(ch: str) -> float:
    """Reading weight: a Han character (or full-width mark) counts 1, other characters 0.5."""
    return 1.0 if _CJK_RE.match(ch) else 0.5


def split_turn(
    turn: TimedTurn, max_seconds: float = 7.0, max_chars: float = 40.0, min_chars: float = 6.0
) -> list[Cue]:
    """Cues for one turn: short enough to read, boundaries aligned with the turn's own."""
    text = " ".join(turn.text.split())
    if not text:
        return []
    weights = [_weight(c) for c in text]
    total = sum(weights)
    duration = max(0.0, turn.end - turn.start)
    pieces = max(1, math.ceil(total / max_chars), math.ceil(duration / max_seconds) if max_seconds > 0 else 1)
    # A long but wordless turn is not chopped into single characters.
    pieces = max(1, min(pieces, int(total // min_chars)))
    cum = [0.0]
    for w in weights:
        cum.append(cum[-1] + w)
    limit = max(1, int(total // min_chars))
    while True:
        cuts = _cuts(text, cum, pieces)
        spans = [cum[b] - cum[a] for a, b in zip(cuts, cuts[1:], strict=False)]
        longest = max(spans)
        # Cut placement prefers clauses, so a piece may overshoot: add pieces until all fit.
        if pieces >= limit or (longest <= max_chars and duration * longest / total <= max_seconds):
            break
        pieces += 1
    cues: list[Cue] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = text[a:b].strip()
        if not piece:
            continue
        start = turn.start + duration * cum[a] / total
        end = turn.start + duration * cum[b] / total
        cues.append(Cue(start, end, turn.name, piece))
    if cues:
        cues[0].start = turn.start
        cues[-1].end = turn.end
    return cues


def _cuts(text: str, cum: list[float], pieces: int) -> list[int]:
    total = cum[-1]
    cuts = [0]
    for k in range(1, pieces):
        cut = _best_cut(text, cum, total * k / pieces, total / pieces, cuts[-1])
        if cuts[-1] < cut < len(text):
            cuts.append(cut)
    cuts.append(len(text))
    return cuts


def _inside_token(text: str, i: int) -> bool:
    """True when a cut before text[i] would split a number or word joined by . , : ' -"""
    return (
        i >= 2
        and text[i - 1] in ".,:'-"
        and text[i - 2].isascii()
        and text[i - 2].isalnum()
        and text[i].isascii()
        and text[i].isalnum()
    )


def _best_cut(text: str, cum: list[float], target: float, span: float, after: int) -> int:
    """Index to cut at near `target` weight, preferring punctuation then spaces."""
    best, best_score = -1, math.inf
    window = 0.35 * span
    for i in range(after + 1, len(text)):
        off = abs(cum[i] - target)
        if off > window and cum[i] > target:
            break
        prev = text[i - 1]
        bonus = 0.0
        if _inside_token(text, i):
            bonus = -window  # "3.1", "4,000", "10:30": one reading, never cut
        elif prev in _BREAK_AFTER:
            bonus = window
        elif prev == " " or text[i] == " ":
            bonus = 0.5 * window
        elif not (_CJK_RE.match(prev) or _CJK_RE.match(text[i])):
            bonus = -window  # never cut inside a Latin word when avoidable
        score = off - bonus
        if score < best_score:
            best, best_score = i, score
    return best


def cues(timeline: Timeline, max_seconds: float = 7.0, max_chars: float = 40.0) -> list[Cue]:
    return [c for t in timeline.turns for c in split_turn(t, max_seconds, max_chars)]


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def srt(cue_list: list[Cue]) -> str:
    blocks = [
        f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.name}: {c.text}\n"
        for i, c in enumerate(cue_list, start=1)
    ]
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt(cue_list: list[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    blocks += [
        f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n<v {_vtt_escape(c.name)}>{_vtt_escape(c.text)}\n"
        for c in cue_list
    ]
    return "\n".join(blocks)


def chapters_json(timeline: Timeline, title: str | None = None) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0), times in seconds."""
    chapters = [
        {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title}
        for c in playable_chapters(timeline.chapters)
    ]
    doc: dict[str, object] = {"version": "1.2.0", "chapters": chapters}
    if title:
        doc["title"] = title
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def hms(seconds: float) -> str:
    s = int(math.floor(seconds + 1e-6))
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def show_notes(script: Script, timeline: Timeline, title: str, description: str | None = None) -> str:
    """Markdown show notes: title, description, hosts, chapter timestamps (hh:mm:ss)."""
    labels = language_facts(script.language)
    lines = [f"# {title}", ""]
    if description:
        lines += [description.strip(), ""]
    lines += [f"## {labels['hosts']}", ""]
    lines += [f"- {h.name}" for h in script.hosts]
    lines += ["", f"## {labels['chapters']}", ""]
    lines += [f"- {hms(c.start)} {c.title}" for c in playable_chapters(timeline.chapters)]
    source = script.meta.get("url") or script.meta.get("source")
    if source:
        lines += ["", f"{labels['source']}: {source}"]
    return "\n".join(lines) + "\n"
