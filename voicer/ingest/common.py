"""Helpers shared by the ingest parsers: joining lines, cleaning inline markup,
stage directions, speaker labels, and collecting segments."""

from __future__ import annotations

import functools
import html
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicer.model import Segment, spoken_text

DATA_DIR = Path(__file__).resolve().parent / "data"


@functools.cache
def load_data(name: str) -> dict[str, Any]:
    """A TOML table from voicer/ingest/data (loaded once)."""
    with open(DATA_DIR / name, "rb") as f:
        return tomllib.load(f)


# ------------------------------------------------------------------ joining

# Han, kana, CJK punctuation and full-width forms: no space is put next to them.
_CJK_RE = re.compile(
    r"[\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK_RE.match(ch))


def join_text(a: str, b: str) -> str:
    """Join two pieces of one sentence: nothing next to CJK, a space between Latin words."""
    a, b = a.rstrip(), b.lstrip()
    if not a or not b:
        return a or b
    if is_cjk(a[-1]) or is_cjk(b[0]):
        return a + b
    return a + " " + b


def clean_lines(text: str) -> list[str]:
    """Lines with every kind of line ending unified and invisible characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\x85", "\n")
    # Zero-width characters and stray BOMs break label and heading matching.
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    return text.split("\n")


# ------------------------------------------------------------ inline markup

# A URL in Markdown parentheses may itself hold one level of parentheses
# (e.g. cubox's "filters:no_upscale()"), and an optional "title".
_URL = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"
IMAGE_RE = re.compile(r"!\[[^\]]*\]" + _URL)
LINK_RE = re.compile(r"\[([^\]]*)\]" + _URL)
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK_RE = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>", re.IGNORECASE)
_BARE_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()（）\[\]]+", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ITALIC_US_RE = re.compile(r"(?<![\w\\])_(?=\S)(.+?)(?<=\S)_(?![\w])")
_DASHES_RE = re.compile(r"[ \t]*-{2,}[ \t]*")
_SPACES_RE = re.compile(r"[ \t\u3000]+")
_CJK_PUNCT_SPACE_RE = re.compile(r"(?<=[，。！？：；、）」』》])[ ]+|[ ]+(?=[，。！？：；、（「『《])")


def strip_links(text: str) -> str:
    """Images removed, links replaced by their text, URLs removed."""
    text = IMAGE_RE.sub("", text)
    text = LINK_RE.sub(lambda m: m.group(1), text)
    text = _REF_LINK_RE.sub(lambda m: m.group(1), text)
    text = _AUTOLINK_RE.sub("", text)
    return _BARE_URL_RE.sub("", text)


def is_link_only(text: str) -> bool:
    """True for a line made only of links/images (nothing to speak)."""
    if not (IMAGE_RE.search(text) or LINK_RE.search(text) or _AUTOLINK_RE.search(text)):
        return False
    rest = LINK_RE.sub("", IMAGE_RE.sub("", text))
    rest = _AUTOLINK_RE.sub("", rest)
    return not re.sub(r"[\s*_|·•,，、>\-]", "", rest)


def strip_emphasis(text: str) -> str:
    """Bold/italic markers removed, their text kept."""
    text = text.replace("\\*", "\ue001").replace("\\_", "\ue002")
    text = text.replace("**", "").replace("__", "").replace("*", "")
    text = _ITALIC_US_RE.sub(lambda m: m.group(1), text)
    return text.replace("\ue001", "*").replace("\ue002", "_")


def _dash(m: re.Match[str]) -> str:
    s = m.string
    before = s[m.start() - 1] if m.start() > 0 else ""
    after = s[m.end()] if m.end() < len(s) else ""
    if not before.strip() and not after.strip():
        return m.group(0)
    # "2018年------（被打断）": a typed em-dash; speak it as a dash, do not drop it.
    return "——" if is_cjk(before) or is_cjk(after) else " — "


def clean_inline(text: str) -> str:
    """Speakable text of one paragraph: markup gone, stage directions as [..] markers."""
    text = strip_links(text)
    text = _TAG_RE.sub(" ", text)
    text = html.unescape(text)
    text = strip_emphasis(text)
    text = re.sub(r"\\([\\`{}\[\]()#+\-.!>|])", r"\1", text)  # Markdown escapes
    text = _DASHES_RE.sub(_dash, text)
    text = mark_stage_directions(text)
    text = _SPACES_RE.sub(" ", text)
    # "。 总是" (a space left where bold markup was): no space beside CJK punctuation.
    text = _CJK_PUNCT_SPACE_RE.sub("", text)
    return text.strip()


def plain(text: str) -> str:
    """Text with all Markdown markup removed (for classification, not for speech)."""
    return _SPACES_RE.sub(" ", strip_emphasis(html.unescape(strip_links(text)))).strip()


# --------------------------------------------------------- stage directions

def is_stage_direction(content: str) -> bool:
    """A parenthetical that is a sound, an action or a transcriber's note (`voicer.ingest.asides`)."""
    from voicer.ingest.asides import is_aside

    return is_aside(content)


def mark_stage_directions(text: str) -> str:
    """（笑） (laughs) 【掌声】 (Typewriter Dings) -> [笑] [laughs] [掌声] [Typewriter Dings];
    other parentheticals stay as text."""
    from voicer.ingest.asides import mark_asides

    return mark_asides(text)


# ----------------------------------------------------------- speaker labels

_LABEL_RE = re.compile(
    r"^(?P<pre>[*_\s]*)(?P<name>[^*_:：\n]{1,40}?)(?P<post>[*_\s]*)(?P<colon>[:：])(?![/\\])"
)
_BAD_NAME_CHARS = re.compile(r"[^\w\s.\-'’·&]")


@dataclass
class Label:
    name: str
    """As written, normalized (no bold, no colon, single spaces)."""
    bold: bool
    rest: str
    """Raw text after the label."""


def normalize_speaker(name: str) -> str:
    name = re.sub(r"[*_]", "", name)
    name = name.strip().rstrip(":：").strip()
    return _SPACES_RE.sub(" ", name)


def speaker_key(name: str) -> str:
    """Identity of a speaker label: variants in width, case and spacing merge."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip().casefold()


def valid_speaker_name(name: str) -> bool:
    if not name or _BAD_NAME_CHARS.search(name):
        return False
    if not re.search(r"[^\W\d_]", name):  # needs a letter or a Han character
        return False
    data = load_data("markers.toml")
    if speaker_key(name) in _label_stopwords():
        return False
    if _HAN_RE.search(name):
        if len(name.replace(" ", "")) > 10:
            return False
        return not any(name.endswith(s) and len(name) > len(s) for s in data["label_reject_suffixes"])
    return len(name) <= 32 and len(name.split()) <= 4


@functools.cache
def _label_stopwords() -> frozenset[str]:
    return frozenset(w.casefold() for w in load_data("markers.toml")["label_stopwords"])


def parse_label(raw: str) -> Label | None:
    """A speaker label at the start of `raw` (`**黄仁勋：**`, `**Ann**:`, `Bob: ...`)."""
    m = _LABEL_RE.match(raw)
    if not m:
        return None
    name = normalize_speaker(m.group("name"))
    after = raw[m.end() : m.end() + 1]
    # "10:30" is a time, but "嘉宾：35岁" is a label: a digit may follow a full-width colon or a Han name.
    if after.isdigit() and m.group("colon") == ":" and not (name and _HAN_RE.match(name[-1])):
        return None
    if not valid_speaker_name(name):
        return None
    bold = "*" in m.group("pre") or "_" in m.group("pre")
    return Label(name=name, bold=bold, rest=raw[m.end() :])


def accepted_labels(candidates: list[Label]) -> set[str]:
    """Keys of labels trusted as speakers. A speaker recurs: a label seen once is trusted
    only when it is bold, has speech after it, and the text has other recurring speakers;
    a one-off "**AI产品的未来：**" line is a heading, a lone "Note:" is prose."""
    counts: dict[str, int] = {}
    with_text: set[str] = set()
    bold: set[str] = set()
    for c in candidates:
        k = speaker_key(c.name)
        counts[k] = counts.get(k, 0) + 1
        if re.sub(r"[*_\s]", "", c.rest):
            with_text.add(k)
        if c.bold:
            bold.add(k)
    recurring = {k for k, n in counts.items() if n >= 2}
    keys = set(recurring)
    if recurring or len(counts) >= 2:
        keys |= {k for k in counts if k in with_text and (k in bold or len(counts) >= 2)}
    return keys


def unmarked_label(text: str, known: dict[str, str]) -> tuple[str, str] | None:
    """("扎克伯格", "我想，...") when a paragraph starts with a known speaker's name
    directly followed by a first-person word: a turn whose colon was lost."""
    starts = load_data("markers.toml")["first_person_starts"]
    for display in sorted(known.values(), key=len, reverse=True):
        if text.startswith(display):
            rest = text[len(display) :]
            if any(rest.startswith(s) for s in starts) or any(
                rest.lstrip().startswith(s) for s in starts if not is_cjk(s[0])
            ):
                return display, rest.lstrip()
    return None


# ------------------------------------------------------------------ output


def has_speech(text: str) -> bool:
    """True when the text has something to speak (a letter, digit or Han character)."""
    return bool(re.search(r"[^\W_]", spoken_text(text)))


class Collector:
    """Collects segments in order; keeps speaker spellings consistent."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.speakers: dict[str, str] = {}
        self.n_speech = 0

    def speaker(self, name: str | None) -> str | None:
        """The first-seen spelling of this speaker (merges variants)."""
        if name is None:
            return None
        name = normalize_speaker(name)
        return self.speakers.setdefault(speaker_key(name), name)

    def speech(
        self,
        text: str,
        speaker: str | None,
        line: int | None,
        start: float | None = None,
        end: float | None = None,
    ) -> None:
        text = text.strip()
        if not text:
            return
        if not has_speech(text):
            # A lone "[笑]" or "……": keep it with the previous turn, never as a turn.
            # (Only with the same speaker: a laugh is never moved to someone else.)
            prev = self.segments[-1] if self.segments else None
            same = prev is not None and prev.kind == "speech" and prev.speaker == self.speaker(speaker)
            if same and prev is not None and MARKER_ONLY_RE.fullmatch(text):
                prev.text = join_text(prev.text, text)
            return
        self.segments.append(
            Segment(text=text, speaker=self.speaker(speaker), line=line, start=start, end=end)
        )
        self.n_speech += 1

    def heading(self, title: str, level: int, line: int | None) -> None:
        title = title.strip()
        if title:
            self.segments.append(Segment(text=title, kind="heading", level=level, line=line))


MARKER_ONLY_RE = re.compile(r"(?:\s*\[[^\[\]\n]*\]\s*)+")


@dataclass
class Parsed:
    """What a parser found: segments in order, plus title and meta when the source has them."""

    segments: list[Segment]
    title: str | None = None
    meta: dict[str, str] | None = None


TERMINAL_PUNCT = '。！？!?.…；;"”」』)）'
