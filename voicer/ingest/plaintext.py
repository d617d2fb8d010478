"""Plain text: subtitle-line style (one phrase per line) or paragraphs; `Name: text` labels."""

from __future__ import annotations

import statistics

from voicer.ingest.common import (
    TERMINAL_PUNCT,
    Collector,
    Label,
    Parsed,
    accepted_labels,
    clean_inline,
    clean_lines,
    is_cjk,
    join_text,
    parse_label,
    speaker_key,
    unmarked_label,
)

# Lines this short (CJK characters count double) that mostly do not end a sentence
# are subtitle lines: each keeps its own segment.
LINE_STYLE_MAX_MEDIAN_WIDTH = 50
LINE_STYLE_MAX_ENDED_SHARE = 0.5


def _width(s: str) -> int:
    return sum(2 if is_cjk(c) else 1 for c in s)


def is_line_style(blocks: list[list[str]]) -> bool:
    """True when the lines are subtitle-like phrases rather than wrapped paragraphs.

    `blocks` are the runs of non-empty lines between blank lines."""
    lines = [s for b in blocks for s in b]
    if not lines:
        return False
    median = statistics.median(_width(s) for s in lines)
    ended = sum(1 for s in lines if _ends_sentence(s)) / len(lines)
    if median > LINE_STYLE_MAX_MEDIAN_WIDTH or ended >= LINE_STYLE_MAX_ENDED_SHARE:
        return False
    # Wrapped paragraphs end their block with a full stop; subtitle groups do not.
    multi = [b for b in blocks if len(b) >= 2]
    return not multi or sum(1 for b in multi if _ends_sentence(b[-1])) < 0.5 * len(multi)


def _ends_sentence(s: str) -> bool:
    return s.rstrip()[-1:] in TERMINAL_PUNCT


def parse_text(text: str) -> Parsed:
    lines = [s.strip() for s in clean_lines(text)]
    numbered = [(i + 1, s) for i, s in enumerate(lines) if s]
    labels: dict[int, Label] = {}
    for n, s in numbered:
        lab = parse_label(s)
        if lab is not None:
            labels[n] = lab
    trusted = accepted_labels(list(labels.values()))
    labels = {n: lab for n, lab in labels.items() if speaker_key(lab.name) in trusted}

    # Units: (first line number, lines). Subtitle-style text keeps every line apart;
    # paragraphs are joined, but a labelled line always starts a new unit.
    units: list[tuple[int, list[str]]] = []
    blocks: list[list[str]] = [[]]
    for s in lines:
        if s:
            blocks[-1].append(s)
        elif blocks[-1]:
            blocks.append([])
    line_style = is_line_style([b for b in blocks if b])
    prev_blank = True
    for i, s in enumerate(lines):
        n = i + 1
        if not s:
            prev_blank = True
            continue
        if line_style or prev_blank or n in labels or not units:
            units.append((n, [s]))
        else:
            units[-1][1].append(s)
        prev_blank = False

    out = Collector()
    current: str | None = None
    for n, parts in units:
        lab = labels.get(n)
        if lab is not None:
            current = lab.name
            parts = [lab.rest, *parts[1:]]
        elif out.speakers:
            found = unmarked_label(parts[0], out.speakers)
            if found:
                current, first = found
                parts = [first, *parts[1:]]
        joined = ""
        for p in parts:
            joined = join_text(joined, p)
        out.speech(clean_inline(joined), current, n)
    return Parsed(out.segments)
