"""Issue 15, item 4: parenthesized sounds, actions and transcribers' notes are markers
(never spoken), in both languages, by shape as well as by list; real parenthetical speech
is kept and spoken."""

from __future__ import annotations

import pytest

from voicer.ingest import is_aside, load_transcript
from voicer.text import normalize

# The issue's examples first, then more of each shape.
ASIDES_EN = [
    "Intro music: Electro Swing",
    "Typewriter Dings",
    "affirmative",
    " '/primər/ ",
    "Inaudible: 0:01:39.5 Ethereum?",
    "Phone rings",
    "door slams shut",
    "Music fades out",
    "clears throat",
    "sighs heavily",
    "both laughing",
    "crosstalk 00:12:03",
    "00:12:03",
    "APPLAUSE",
    "Outro music: Lo-fi beat",
    "Transcriber's note: audio dropped",
    "speaking Spanish",
    "/ˈkjuːdə/",
]
ASIDES_ZH = ["笑", "音乐：轻快的钢琴", "电话铃响", "音乐渐弱", "两人握手", "全场鼓掌", "敲门声", "停顿三秒",
             "听不清 01:39", "编者注：此处有删节", "背景音乐起"]  # fmt: skip
SPEECH_EN = [
    "in 2019",
    "which I doubt",
    "about $3 trillion",
    "GPUs",
    "i.e., the H100",
    "see below",
    "New York Times",
    "United States",
    "for now",
    "maybe",
    "the company plays a big role",
    "and this matters",
    "Los Angeles",
    "note that this is old",
    "you know",
]
SPEECH_ZH = ["也就是GPU", "2019年", "英伟达", "指数增长", "比如说Llama", "笑话", "大概三十五万块", "我点头了"]


@pytest.mark.parametrize("content", ASIDES_EN + ASIDES_ZH)
def test_asides_are_recognized(content: str) -> None:
    assert is_aside(content)


@pytest.mark.parametrize("content", SPEECH_EN + SPEECH_ZH)
def test_parenthetical_speech_is_not_an_aside(content: str) -> None:
    assert not is_aside(content)


@pytest.mark.parametrize("content", ASIDES_EN)
def test_english_asides_become_markers_and_are_never_spoken(content: str) -> None:
    t = load_transcript(f"Ann: Welcome back ({content}) to the show.\nBen: Thanks.\n")
    assert t.segments[0].text == f"Welcome back [{content.strip()}] to the show."
    spoken = normalize(f"Welcome back ({content}) to the show.", "en")
    assert spoken == "Welcome back to the show.", spoken
    assert "zero" not in spoken and "oh" not in spoken.split()


@pytest.mark.parametrize("content", ASIDES_ZH)
def test_chinese_asides_become_markers_and_are_never_spoken(content: str) -> None:
    t = load_transcript(f"甲：欢迎回来（{content}）今天聊模型。\n乙：好的。\n")
    assert t.segments[0].text == f"欢迎回来[{content}]今天聊模型。"
    assert normalize(f"欢迎回来（{content}）今天聊模型。", "zh") == "欢迎回来今天聊模型。"


@pytest.mark.parametrize("content", SPEECH_EN)
def test_english_parenthetical_speech_is_spoken(content: str) -> None:
    t = load_transcript(f"Ann: We said ({content}) it works.\nBen: Thanks.\n")
    assert f"({content})" in t.segments[0].text
    assert normalize(f"We said ({content}) it works.", "en") != "We said it works."


@pytest.mark.parametrize("content", SPEECH_ZH)
def test_chinese_parenthetical_speech_is_spoken(content: str) -> None:
    t = load_transcript(f"甲：我们说（{content}）这样可以。\n乙：好的。\n")
    assert f"（{content}）" in t.segments[0].text
    assert normalize(f"我们说（{content}）这样可以。", "zh") != "我们说这样可以。"


def test_the_issue_timestamp_is_not_read_as_a_number() -> None:
    spoken = normalize("(Inaudible: 0:01:39.5 Ethereum?) and so on.", "en")
    assert spoken == "and so on."
