"""Issue 15, item 6: a Chinese label followed directly by a digit is a label, and labels
that abbreviate one person's name become that one speaker, said in the script's comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicer.ingest import load_transcript
from voicer.script import make_script, read_script, write_script


def _speech(text: str) -> list[tuple[str | None, str]]:
    return [(s.speaker, s.text) for s in load_transcript(text).segments if s.kind == "speech"]


@pytest.mark.parametrize("colon", ["：", ":"])
def test_a_chinese_label_followed_by_a_digit_is_a_label(colon: str) -> None:
    text = (
        f"主持人{colon}你好，今年多大了？\n嘉宾{colon}35岁。我在北京工作。\n"
        f"主持人{colon}好的。\n嘉宾{colon}谢谢。\n"
    )
    assert _speech(text) == [
        ("主持人", "你好，今年多大了？"),
        ("嘉宾", "35岁。我在北京工作。"),
        ("主持人", "好的。"),
        ("嘉宾", "谢谢。"),
    ]


def test_a_clock_time_is_still_no_label() -> None:
    text = "Ann: The call is at 10:30 today.\nBen: See you at 9:15 then.\nAnn: Fine.\n"
    assert [s for s, _ in _speech(text)] == ["Ann", "Ben", "Ann"]
    assert "10:30" in _speech(text)[0][1]


MERGE = (
    "刘铮: 你好，我是刘铮，今天聊大模型。\n陈晓薇: 你好，很高兴来。\n刘: 我们开始吧。\n"
    "陈 晓薇: 好的。\n陈: 嗯，对。\n刘铮: 再见。\n"
)


def test_abbreviated_and_spaced_labels_are_one_speaker() -> None:
    speakers = [s for s, _ in _speech(MERGE)]
    assert speakers == ["刘铮", "陈晓薇", "刘铮", "陈晓薇", "陈晓薇", "刘铮"]


def test_the_merge_is_said_in_the_scripts_comments(tmp_path: Path) -> None:
    script = make_script(load_transcript(MERGE))
    assert [h.id for h in script.hosts][:2] == ["刘铮", "陈晓薇"]
    assert len({h.voice for h in script.hosts}) == len(script.hosts)
    path = tmp_path / "ep.md"
    write_script(script, path)
    text = path.read_text(encoding="utf-8")
    assert (
        "<!-- 已合并同一说话人" in text
        and "「刘」即「刘铮」" in text
        and "「陈 晓薇」、「陈」即「陈晓薇」" in text
    )
    assert "speakers_merged" not in text  # a comment, not episode metadata
    assert read_script(path) == script


def test_english_first_names_merge_into_the_full_name() -> None:
    text = "Jensen Huang: Welcome.\nMark: Thanks for having me.\nJensen: Let us begin.\nMark: Sure.\n"
    t = load_transcript(text)
    assert [s.speaker for s in t.segments] == ["Jensen Huang", "Mark", "Jensen Huang", "Mark"]
    assert "'Jensen' as 'Jensen Huang'" in t.meta["speakers_merged"]


def test_an_ambiguous_abbreviation_is_not_merged() -> None:
    text = "刘铮: 你好。\n刘强: 你好。\n刘: 大家好。\n刘铮: 开始。\n刘强: 好。\n刘: 嗯。\n"
    assert {s for s, _ in _speech(text)} == {"刘铮", "刘强", "刘"}
    assert "speakers_merged" not in load_transcript(text).meta


def test_a_bold_markdown_label_followed_by_a_digit_is_a_label() -> None:
    text = (
        "# 访谈\n\n**主持人：**你今年多大？\n\n**嘉宾：**35岁。我在北京。\n\n"
        "**主持人：**好的。\n\n**嘉宾：**2018年我来的。\n"
    )
    assert _speech(text) == [
        ("主持人", "你今年多大？"),
        ("嘉宾", "35岁。我在北京。"),
        ("主持人", "好的。"),
        ("嘉宾", "2018年我来的。"),
    ]
