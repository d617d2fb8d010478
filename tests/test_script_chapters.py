"""Chapter titles and lengths (issue 15, item 13)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from voicer.model import Script, Segment, Transcript
from voicer.script import make_script
from voicer.script.chapters import keyword_titles, split_heading
from voicer.script.sentences import content_chars, speech_seconds

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "transcripts"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/transcripts is not here")


@functools.lru_cache(maxsize=4)
def script_for(name: str) -> Script:
    from voicer.ingest import load_transcript

    return make_script(load_transcript(SHARED / name))


def minutes(chapter) -> float:  # noqa: ANN001
    return sum(speech_seconds(t.text, "zh") for t in chapter.turns) / 60


def test_curly_apostrophes_are_stop_words_and_titles_are_phrases_not_pairs() -> None:
    texts = [
        "It’s the computer. It’s fast. Don’t worry about the number. The recommender system ranks videos. "
        "The recommender system learns from clicks. The recommender system is huge.",
        "It’s Vera. Don’t ask. The CPU design team built new chips. Chip design takes years. "
        "The chip design team is small.",
    ]
    titles = keyword_titles(texts, "en")
    assert titles[0] == "Recommender System"
    assert len(set(titles)) == 2
    for t, text in zip(titles, texts, strict=True):
        assert " and " not in t and not re.search(r"\b(It's|It’s|Don't|Don’t|Number|Computer)\b", t)
        assert t.lower() in text.lower() and len(t.split()) >= 2  # a phrase of the text


@needs_shared
def test_monologue_titles_are_phrases_of_their_chapter() -> None:
    script = script_for("dafei-monologue.zh.txt")
    body = script.chapters[1:-1]
    assert len(body) >= 3
    for chapter in body:
        text = "".join(content_chars(t.text) for t in chapter.turns if not t.bridge).lower()
        assert content_chars(chapter.title).lower() in text, chapter.title
        assert "与" not in chapter.title  # not a pair of keywords
        assert 2 <= minutes(chapter) <= 8, (chapter.title, minutes(chapter))


@needs_shared
def test_long_heading_chapters_are_split_at_a_topic_shift_with_numbered_titles() -> None:
    script = script_for("huang-zuckerberg-interview.zh.md")
    titles = [c.title for c in script.chapters]
    assert any(t.endswith(" (2)") for t in titles)
    for chapter in script.chapters:
        assert minutes(chapter) <= 8, (chapter.title, minutes(chapter))
    for t in titles:
        if t.endswith(" (2)"):
            assert t[: -len(" (2)")] in titles  # the first part keeps the heading


def test_short_heading_chapters_stay_as_the_headings_say() -> None:
    units = ["很短的一段话。"] * 3
    assert [(s.start, s.end, s.title) for s in split_heading(units, "标题", "zh")] == [(0, 3, "标题")]
    tr = Transcript(
        [
            Segment("第一部分", kind="heading", level=2),
            Segment("这是第一部分的内容。"),
            Segment("第二部分", kind="heading", level=2),
            Segment("这是第二部分的内容。"),
        ]
    )
    assert [c.title for c in make_script(tr, title="测试").chapters] == ["第一部分", "第二部分"]
