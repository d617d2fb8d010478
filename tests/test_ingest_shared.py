"""Ingest on the real shared transcripts: nothing lost, nothing invented.

The expected side is computed here with simple, independent text operations on
the source file (not with the parser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voicer.ingest import load_transcript
from voicer.model import spoken_text

SHARED = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
MONOLOGUE = SHARED / "dafei-monologue.zh.txt"
INTERVIEW = SHARED / "huang-zuckerberg-interview.zh.md"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/transcripts is not beside the repo")


def han(text: str) -> str:
    return "".join(HAN.findall(text))


@pytest.fixture(scope="module")
def interview():
    return load_transcript(INTERVIEW)


# ---------------------------------------------------------------- monologue


def test_monologue_keeps_every_line_as_its_own_segment():
    lines = MONOLOGUE.read_text(encoding="utf-8").splitlines()
    expected = [(i + 1, s.strip()) for i, s in enumerate(lines) if s.strip()]
    t = load_transcript(MONOLOGUE)
    assert [(s.line, s.text) for s in t.segments] == expected
    assert all(s.kind == "speech" and s.speaker is None for s in t.segments)
    assert han("".join(s.text for s in t.segments)) == han(MONOLOGUE.read_text(encoding="utf-8"))
    assert t.language == "zh"
    assert t.title is None and t.source == str(MONOLOGUE)


def test_monologue_from_text_and_from_gb18030_bytes_is_the_same(tmp_path):
    text = MONOLOGUE.read_text(encoding="utf-8")
    gb = tmp_path / "dafei.txt"
    gb.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    a = load_transcript(MONOLOGUE)
    b = load_transcript(text)
    c = load_transcript(gb)
    assert [s.text for s in a.segments] == [s.text for s in b.segments] == [s.text for s in c.segments]
    assert b.source is None


# ---------------------------------------------------------------- interview


def _expected_interview_han() -> str:
    """Han characters the transcript must hold, in order: the source body minus the
    title, source line, byline, images, link-only lines, footer, stage directions and
    speaker labels."""
    body = INTERVIEW.read_text(encoding="utf-8").replace("*", "")
    body = body[: body.index("推荐阅读")]  # the footer and everything after it
    kept = []
    for i, line in enumerate(body.splitlines()):
        s = line.strip().lstrip("#").strip()
        if i < 2 or s.startswith(("![", "[mp.weixin", "文 /")):
            continue  # title + its underline, images, source line, byline
        s = re.sub(r"（(笑|被打断|指[^）]*)）", "", s)  # stage directions
        s = re.sub(r"^(黄仁勋|扎克伯格)\s*[：:]?", "", s)  # speaker labels
        kept.append(s)
    return han("".join(kept))


def test_interview_loses_nothing_and_repeats_nothing(interview):
    got = han("".join(spoken_text(s.text) for s in interview.segments))
    assert got == _expected_interview_han()


def test_interview_title_meta_and_language(interview):
    assert interview.title == "黄仁勋、扎克伯格巅峰对谈实录：万字长文揭秘Meta的未来AI图景"
    assert interview.meta["byline"] == "文 / AI未来指北作者 郝博阳"
    assert interview.meta["source"].startswith("mp.weixin.qq.com")
    assert "郝博阳" in interview.meta["source"]
    assert interview.meta["url"].startswith("https://mp.weixin.qq.com/")
    assert interview.language == "zh"
    assert not any("郝博阳" in s.text for s in interview.segments)


def test_interview_speakers_and_preface(interview):
    assert set(interview.speakers) == {"黄仁勋", "扎克伯格"}
    speech = [s for s in interview.segments if s.kind == "speech"]
    first_turn = next(i for i, s in enumerate(speech) if s.speaker)
    preface = speech[:first_turn]
    assert preface[0].text.startswith("作为拥有600,000块H100的男人")
    assert preface[-1].text == "以下为访谈实录："
    assert all(s.speaker is None for s in preface)
    assert speech[first_turn].speaker == "黄仁勋" and speech[first_turn].text.startswith("你能相信吗？")
    counts = interview.word_counts()
    assert counts["黄仁勋"] > 3000 and counts["扎克伯格"] > 3000 and 0 < counts[None] < 2000


def test_interview_headings(interview):
    titles = [h.text for h in interview.headings]
    assert len(titles) == 6
    assert titles[0] == "Meta AI改变脸书的双核心：推荐系统和创作能力"
    assert titles[1] == "AI产品的未来：就算现在模型停止迭代，我们也得用五年才能发掘出智能体的全部产品潜力"
    assert titles[2] == "开源的未来：不受限制的构建，恢复开放黄金时代"
    assert titles[-1] == "结束语：软件3.0时代已经到来"
    assert all(1 <= h.level <= 3 for h in interview.headings)
    assert not any(t.endswith(("：", ":")) for t in titles)


def test_interview_markup_is_gone(interview):
    for s in interview.segments:
        for bad in ("**", "![", "](", "http", "------", "推荐阅读", "Cubox"):
            assert bad not in s.text, (bad, s)


def test_interview_turn_details(interview):
    by_line = {s.line: s for s in interview.segments}
    # Continuation paragraph without a label stays with the speaker.
    cont = next(s for s in interview.segments if s.text.startswith("我们正在利用人工智能使模拟规模更大"))
    assert cont.speaker == "黄仁勋"
    # Typed em-dash and an interruption kept as punctuation + annotation.
    assert any("2018年——[被打断]" in s.text for s in interview.segments)
    assert any("[指扎克伯格的黑色衬衫和自己撞衫]" in s.text for s in interview.segments)
    # Editorial insertions are speakable text, not annotations.
    assert any("（2018年）" in s.text for s in interview.segments)
    assert any("（生成式AI）" in s.text for s in interview.segments)
    # A bold-only line that starts with a label is a turn, not a heading.
    bold_turn = next(s for s in interview.segments if s.text == "是的，我们正朝那个方向发展。")
    assert bold_turn.speaker == "扎克伯格" and bold_turn.kind == "speech"
    # A long bold-only sentence is emphasised speech of the current speaker.
    long_bold = next(s for s in interview.segments if s.text.startswith("我认为即使基础模型的进展"))
    assert long_bold.kind == "speech" and long_bold.speaker == "扎克伯格"
    # A label whose colon was lost ("扎克伯格我想，...") still starts Zuckerberg's turn.
    lost = next(s for s in interview.segments if s.text.startswith("我想，你知道，他们大概也会喜欢"))
    assert lost.speaker == "扎克伯格"
    assert all(s.line is not None for s in by_line.values())
