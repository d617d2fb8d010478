"""The editable script file: accepted forms, round trip details, syntax errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicer.errors import InputError, ScriptSyntaxError
from voicer.model import Chapter, Host, Script, Turn
from voicer.script import format_script, is_script_file, parse_script, read_script, write_script

HEAD = """---
voicer: script 1
title: 测试节目
language: zh
hosts:
  - id: A
    name: 小安
    voice: zh-female-1
  - id: B
    name: 小贝
    voice: zh-male-1
author: 某人
---
"""


def _script() -> Script:
    return Script(
        title='  Spaces: and "quotes" ',
        language="en",
        hosts=[Host("Alex", "Alex Smith", "en-female-1"), Host("Sam", "Sam", "en-male-1")],
        chapters=[
            Chapter(
                "Intro",
                [Turn("Alex", "Hello [laughs] there.", pause_after=1.5), Turn("Sam", "Go on.", bridge=True)],
            ),
            Chapter("", []),
            Chapter("Part: two", [Turn("Sam", "A [pause 0.5s] b.", pause_after=0.25), Turn("Alex", "Bye.")]),
        ],
        meta={"author": "Me", "empty": "", "multi": "line one\nline two"},
    )


def test_round_trip_keeps_pauses_bridges_markers_and_quoted_values(tmp_path: Path) -> None:
    script = _script()
    text = format_script(script)
    assert "[pause 1.5s]" in text and "**Sam:** Go on. [+]" in text
    assert parse_script(text) == script
    write_script(script, tmp_path / "s.md")
    assert read_script(tmp_path / "s.md") == script


def test_accepts_plain_and_alternative_labels_names_wrapping_and_comments() -> None:
    body = """
<!-- a comment
over two lines -->
# 第一章

A: 第一段，
接着写。

**小贝**: 用名字也行。 [+]

**B：** 全角冒号。
[pause 2s]

B：没有空格。
"""
    script = parse_script(HEAD + body)
    turns = script.chapters[0].turns
    assert [(t.speaker, t.text, t.bridge) for t in turns] == [
        ("A", "第一段，接着写。", False),
        ("B", "用名字也行。", True),
        ("B", "全角冒号。", False),
        ("B", "没有空格。", False),
    ]
    assert turns[2].pause_after == 2.0
    assert script.meta == {"author": "某人"} and script.title == "测试节目"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (HEAD + "\n# 章\n\n**C:** 谁？\n", 17, "unknown speaker 'C'"),
        ("# 章\n\n**A:** 你好。\n", 1, "front matter"),
        (HEAD.replace("language: zh\n", ""), 12, "language"),
        (HEAD.replace("language: zh", "language: fr"), 4, "zh"),
        (HEAD.replace("    voice: zh-male-1\n", ""), 9, "voice"),
        (HEAD.replace("---\n", "", 1).replace("voicer: script 1\n", "---\n", 1)[:-4], 12, "not closed"),
        (HEAD + "\n**A:** 你好。\n[pause abc]\n", 16, "pause"),
        (HEAD + "\n**A:** 你好。\n\n[pause 99s]\n", 17, "too long"),
        (HEAD + "\n[pause 1s]\n", 15, "follow a turn"),
        (HEAD + "\n**A:** 你好。\n[pause 1s]\n[pause 2s]\n", 17, "already"),
        (HEAD + "\n**A:**\n", 15, "no text"),
        (HEAD + "\n随便写的一段话\n", 15, "start with the speaker"),
        (HEAD + "\n#章节\n", 15, "# Title"),
    ],
    ids=[
        "unknown-speaker",
        "no-front-matter",
        "no-language",
        "bad-language",
        "host-without-voice",
        "unclosed-front-matter",
        "bad-pause",
        "long-pause",
        "pause-first",
        "two-pauses",
        "empty-turn",
        "unlabelled-paragraph",
        "bad-heading",
    ],
)
def test_syntax_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ScriptSyntaxError) as info:
        parse_script(text, "ep.md")
    assert info.value.line == line
    assert info.value.path == "ep.md"
    assert words in str(info.value) and str(info.value).startswith(f"ep.md, line {line}: ")
    assert isinstance(info.value, InputError)


def test_is_script_file_needs_the_voicer_key(tmp_path: Path) -> None:
    jekyll = tmp_path / "post.md"
    jekyll.write_text("---\ntitle: A post\n---\n\nText.\n", encoding="utf-8")
    script = tmp_path / "ep.md"
    script.write_text(HEAD + "\n**A:** 你好。\n", encoding="utf-8")
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\xff" * 10)
    assert is_script_file(script)
    assert not is_script_file(jekyll) and not is_script_file(binary)
    assert not is_script_file(tmp_path / "missing.md")


def test_read_script_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_script(tmp_path / "nope.md")
