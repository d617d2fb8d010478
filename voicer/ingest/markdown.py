"""Markdown articles and interviews: title, source/byline meta, preface narration,
bold or plain speaker labels, headings (ATX, setext, bold-only lines), footers."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from voicer.ingest.common import (
    TERMINAL_PUNCT,
    Collector,
    Label,
    Parsed,
    accepted_labels,
    clean_inline,
    clean_lines,
    is_link_only,
    join_text,
    load_data,
    parse_label,
    plain,
    speaker_key,
    unmarked_label,
)
from voicer.ingest.plaintext import is_line_style

_ATX_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_HR_RE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
_REFDEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)+\|?\s*$")
_LIST_RE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_SOURCE_LINK_RE = re.compile(r"^\s*\[([^\]]+)\]\(([^)\s]+)\)\s*(.*)$")

# A bold-only line longer than this, or ending a sentence, is emphasised speech, not a heading.
HEADING_MAX_CHARS = 40


@dataclass
class _Block:
    kind: str
    """"heading", "para" or "hr"."""
    line: int
    raw: str
    level: int = 0


def is_bold_only(raw: str) -> bool:
    """`**...**` covering the whole line (possibly as several touching bold runs)."""
    s = raw.strip()
    if len(s) < 5 or not (s.startswith(("**", "__")) and s.endswith(("**", "__"))):
        return False
    parts = re.split(r"\*\*|__", s)
    return all(not p.strip() for p in parts[0::2]) and any(p.strip() for p in parts[1::2])


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", plain(text)).casefold()


@functools.cache
def _footer_keys() -> frozenset[str]:
    return frozenset(re.sub(r"[\W_]+", "", m).casefold() for m in load_data("markers.toml")["footer_markers"])


def _is_footer(raw: str) -> bool:
    key = _squash(raw)
    return bool(key) and key in _footer_keys()


_FRONT_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


def front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """Simple `key: value` YAML front matter (Obsidian, Hugo exports) and the number of
    lines it takes; ({}, 0) when there is none."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:60], start=1):
        if line.strip() in ("---", "..."):
            return meta, i + 1
        m = _FRONT_KEY_RE.match(line)
        if m is None and line.strip() and not line.startswith((" ", "-")):
            return {}, 0  # not front matter: a horizontal rule followed by prose
        if m and m.group(2):
            meta[m.group(1).lower()] = m.group(2).strip("\"'")
    return {}, 0


def _byline(raw: str) -> str | None:
    p = plain(raw)
    if len(p) > 60:
        return None
    low = p.casefold()
    for prefix in load_data("markers.toml")["byline_prefixes"]:
        if low.startswith(prefix.casefold()):
            return p
    return None


def _strip_line(s: str) -> str:
    """Blockquote and list markers removed: their text is ordinary speech."""
    s = _QUOTE_RE.sub("", s)
    return _LIST_RE.sub("", s, count=1) if not _HR_RE.match(s) else s


def _blocks(lines: list[str], trusted: set[str], line_style: bool = False) -> list[_Block]:
    blocks: list[_Block] = []
    para: _Block | None = None
    prev_bold = False
    in_fence = False
    for i, line in enumerate(lines):
        n = i + 1
        if _FENCE_RE.match(line):
            in_fence, para = not in_fence, None
            continue
        if in_fence:
            continue  # code is not speech
        if not line.strip():
            para = None
            continue
        m = _ATX_RE.match(line)
        if m:
            blocks.append(_Block("heading", n, m.group(2), len(m.group(1))))
            para = None
            continue
        if para is not None and _SETEXT_RE.match(line) and para.kind == "para":
            para.kind, para.level = "heading", 1 if line.strip()[0] == "=" else 2
            para = None
            continue
        if _HR_RE.match(line):
            blocks.append(_Block("hr", n, ""))
            para = None
            continue
        if _REFDEF_RE.match(line) or _TABLE_SEP_RE.match(line):
            continue
        starts_item = bool(_LIST_RE.match(line)) and not _HR_RE.match(line)
        s = _strip_line(line).strip().strip("|").strip()
        if not s:
            continue
        lab = parse_label(s)
        bold = is_bold_only(s)
        new_unit = (
            line_style
            or para is None
            or starts_item
            or bold
            or prev_bold
            or is_link_only(s)
            or (lab is not None and speaker_key(lab.name) in trusted)
        )
        if new_unit:
            para = _Block("para", n, s)
            blocks.append(para)
        else:
            assert para is not None
            para.raw = join_text(para.raw, s)
        prev_bold = bold
    return blocks


def _read_blocks(text: str) -> tuple[dict[str, str], set[str], list[_Block]]:
    """(front matter, trusted speaker keys, blocks) of a Markdown text."""
    text = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = clean_lines(text)
    front, skip = front_matter(lines)
    lines = [""] * skip + lines[skip:]  # keep line numbers
    candidates: list[Label] = []
    for line in lines:
        lab = parse_label(_strip_line(line).strip())
        if lab is not None:
            candidates.append(lab)
    trusted = accepted_labels(candidates)
    # Subtitle-style lines pasted into a Markdown file keep their line boundaries too.
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip() and not _ATX_RE.match(line):
            groups[-1].append(line.strip())
        elif groups[-1]:
            groups.append([])
    return front, trusted, _blocks(lines, trusted, line_style=is_line_style([g for g in groups if g]))


def _title_and_bold_level(blocks: list[_Block]) -> tuple[_Block | None, bool, int]:
    """The first content block, whether it is the title (a level-1 heading), and the level
    bold-only headings get: peers of the deepest real heading level (WeChat-style articles
    mix "### A" and "**B**" for the same kind of chapter)."""
    levels = [b.level for b in blocks if b.kind == "heading"]
    title_block = next((b for b in blocks if b.kind != "hr" and not is_link_only(b.raw)), None)
    has_title = title_block is not None and title_block.kind == "heading" and title_block.level == 1
    if has_title:
        levels = levels[1:]
    return title_block, has_title, min(max(levels), 3) if levels else 2


def parse_markdown(text: str) -> Parsed:
    front, trusted, blocks = _read_blocks(text)
    title_block, has_title, bold_level = _title_and_bold_level(blocks)

    out = Collector()
    meta: dict[str, str] = {k: v for k, v in front.items() if k != "title"}
    title: str | None = front.get("title")
    current: str | None = None
    pending: list[tuple[str, int, int]] = []  # heading parts (text, level, line) not yet emitted

    def flush() -> None:
        if pending:
            joined = ""
            for t, _, _ in pending:
                joined = join_text(joined, t)
            out.heading(joined.rstrip(" :：,，、;；"), pending[0][1], pending[0][2])
            pending.clear()

    for b in blocks:
        if b.kind == "hr":
            continue
        if _is_footer(b.raw):
            break  # "推荐阅读" and everything after it is not content
        if b is title_block and has_title and (title is None or clean_inline(b.raw) == title):
            title = clean_inline(b.raw)
            continue
        if b.kind == "heading":
            level = min(b.level, 3)
            if pending and pending[0][1] != level:
                flush()  # "## Part" then "### Section": two headings, not one
            pending.append((clean_inline(b.raw), level, b.line))
            continue
        if is_link_only(b.raw):
            continue
        if current is None and out.n_speech == 0:  # the header: source line, byline
            m = _SOURCE_LINK_RE.match(b.raw)
            if m and len(plain(b.raw)) <= 60 and not re.search(r"[。！？.!?]\s*$", m.group(3)):
                meta["source"] = f"{m.group(1)} {plain(m.group(3))}".strip()
                meta["url"] = m.group(2)
                continue
            by = _byline(b.raw)
            if by:
                meta["byline"] = by
                continue
        lab = parse_label(b.raw)
        if lab is not None and speaker_key(lab.name) in trusted:
            flush()
            current = lab.name
            out.speech(clean_inline(lab.rest), current, b.line)
            continue
        if is_bold_only(b.raw):
            p = clean_inline(b.raw)
            if len(p) <= HEADING_MAX_CHARS and p[-1:] not in TERMINAL_PUNCT:
                if pending and pending[0][1] != bold_level:
                    flush()
                pending.append((p, bold_level, b.line))
                continue
        flush()
        body = b.raw
        if out.speakers:
            found = unmarked_label(plain(body), out.speakers)
            if found:
                current, body = found
        out.speech(clean_inline(body), current, b.line)
    flush()
    return Parsed(out.segments, title=title, meta=meta)
