"""Ingest: every format, encoding and bad input, on small files written here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from voicer.errors import InputError, VoicerError
from voicer.ingest import detect_language, load_transcript, sniff_format


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def speech(t):
    return [(s.speaker, s.text) for s in t.segments if s.kind == "speech"]


# ---------------------------------------------------------------- plain text


def test_subtitle_style_lines_stay_apart():
    t = load_transcript("大家好\n这里是最佳拍档\n\n我是大飞\n今天聊聊AI\n")
    assert [s.text for s in t.segments] == ["大家好", "这里是最佳拍档", "我是大飞", "今天聊聊AI"]
    assert [s.line for s in t.segments] == [1, 2, 4, 5]
    assert all(s.speaker is None for s in t.segments)


def test_english_paragraphs_join_wrapped_lines_with_a_space(tmp_path):
    p = write(
        tmp_path, "a.txt", "This is a line that\nwraps onto the next one.\n\nA second paragraph\nends here.\n"
    )
    t = load_transcript(p)
    assert [s.text for s in t.segments] == [
        "This is a line that wraps onto the next one.",
        "A second paragraph ends here.",
    ]
    assert t.language == "en"


def test_chinese_paragraphs_join_without_space(tmp_path):
    p = write(
        tmp_path,
        "a.txt",
        "我们今天讨论的是开源模型\n以及它对产业的影响。\n\n第二段从这里开始\n到这里结束。\n",
    )
    t = load_transcript(p)
    assert [s.text for s in t.segments] == [
        "我们今天讨论的是开源模型以及它对产业的影响。",
        "第二段从这里开始到这里结束。",
    ]


def test_plain_name_labels_give_speakers_and_variants_merge(tmp_path):
    text = "Alice: Hello there.\nBob : Hi Alice!\nand more from Bob.\n\nALICE：How are you?\n"
    t = load_transcript(write(tmp_path, "talk.txt", text))
    assert speech(t) == [
        ("Alice", "Hello there."),
        ("Bob", "Hi Alice! and more from Bob."),
        ("Alice", "How are you?"),
    ]
    assert t.speakers == ["Alice", "Bob"]
    assert t.word_counts() == {"Alice": 5, "Bob": 6}


def test_a_lone_note_colon_is_not_a_speaker():
    t = load_transcript("Note: this was recorded in 2020.\nThe rest is plain prose.\n")
    assert all(s.speaker is None for s in t.segments)
    assert t.segments[0].text.startswith("Note: this was recorded in 2020.")


def test_stage_directions_become_annotations_and_editorial_text_stays():
    t = load_transcript("Ann: That is funny (laughs) really.\nBen: Sure (2018 edition).\nAnn: 好的（笑）\n")
    assert speech(t) == [
        ("Ann", "That is funny [laughs] really."),
        ("Ben", "Sure (2018 edition)."),
        ("Ann", "好的[笑]"),
    ]


# ------------------------------------------------------------------ markdown

MD_INTERVIEW = """\
Future of Voice: A Conversation
===============================

[example.com](https://example.com/post/1) Jane Doe

![](https://img.example.com/a.png)

**By Jane Doe**

This preface explains why we talked. See [our site](https://example.com) for more.

Here is the interview:

**Host:** Welcome to the show. (laughs)

**Guest**: Thanks for having me --- (applause) really.

I have been building this for years.

## Early days

### Before the company

**Part two:**

**Building the product**

**Host:** What came first?

**Guest: The prototype, honestly.**

**This whole sentence is bold because it matters a great deal to the guest.**

Host: And then?

---

[Jump to the original](https://example.com/post/1)

Recommended reading

[Another article](https://example.com/post/2)

Some unrelated text after the footer.
"""


def test_markdown_interview(tmp_path):
    t = load_transcript(write(tmp_path, "talk.md", MD_INTERVIEW))
    assert t.title == "Future of Voice: A Conversation"
    assert t.meta["source"] == "example.com Jane Doe"
    assert t.meta["url"] == "https://example.com/post/1"
    assert t.meta["byline"] == "By Jane Doe"
    kinds = [(s.kind, s.level, s.speaker, s.text) for s in t.segments]
    assert kinds == [
        ("speech", 0, None, "This preface explains why we talked. See our site for more."),
        ("speech", 0, None, "Here is the interview:"),
        ("speech", 0, "Host", "Welcome to the show. [laughs]"),
        ("speech", 0, "Guest", "Thanks for having me — [applause] really."),
        ("speech", 0, "Guest", "I have been building this for years."),
        ("heading", 2, None, "Early days"),
        ("heading", 3, None, "Before the company Part two: Building the product"),
        ("speech", 0, "Host", "What came first?"),
        ("speech", 0, "Guest", "The prototype, honestly."),
        ("speech", 0, "Guest", "This whole sentence is bold because it matters a great deal to the guest."),
        ("speech", 0, "Host", "And then?"),
    ]
    assert t.language == "en"


def test_markdown_bold_heading_pair_and_atx_levels():
    text = (
        "# 标题\n\n前言一段。\n\n### **第一章：**\n\n### **从头说起**\n\n**甲：** 你好。\n\n"
        "**乙：**你好！\n\n**小结：**\n\n**两句话**\n\n**甲：**再见。\n"
    )
    t = load_transcript(text, format="markdown")
    assert t.title == "标题"
    assert [(h.level, h.text) for h in t.headings] == [(3, "第一章：从头说起"), (3, "小结：两句话")]
    assert speech(t) == [(None, "前言一段。"), ("甲", "你好。"), ("乙", "你好！"), ("甲", "再见。")]


def test_markdown_label_forms_merge():
    text = (
        "**黄仁勋：** 一。\n\n**黄仁勋**：二。\n\n黄仁勋: 三。\n\n****扎克伯格：**四。**\n\n扎克伯格：五。\n"
    )
    t = load_transcript(text, format="markdown")
    assert speech(t) == [
        ("黄仁勋", "一。"),
        ("黄仁勋", "二。"),
        ("黄仁勋", "三。"),
        ("扎克伯格", "四。"),
        ("扎克伯格", "五。"),
    ]


def test_markdown_lists_quotes_html_and_code():
    text = (
        "Intro line &amp; more.\n\n> Quoted speech here.\n\n- first item\n- second item\n\n"
        "```\ncode()\n```\n\n<!-- hidden -->\nAfter<br>break.\n"
    )
    t = load_transcript(text, format="markdown")
    assert [s.text for s in t.segments] == [
        "Intro line & more.",
        "Quoted speech here.",
        "first item",
        "second item",
        "After break.",
    ]


# ----------------------------------------------------------------- subtitles

SRT = """\
1
00:00:01,000 --> 00:00:03,500
<i>Alice:</i> Hello and welcome
to the show.

2
00:00:03,600 --> 00:00:05,000
[Music]

3
00:00:05,000 --> 00:00:07,250
{\\an8}Bob: Thanks, <b>Alice</b>. (laughs)
4
00:00:07,300 --> 00:00:09,000
heat [00:18:12] heat

5
00:00:09,000 --> 00:00:10,000
♪ la la la ♪

6
00:00:10,000 --> 00:01:10,000
Alice: This is a very long cue that goes on and on, it is kept whole and never split by ingest.
"""


def test_srt(tmp_path):
    t = load_transcript(write(tmp_path, "ep.srt", SRT))
    assert [(s.speaker, s.text, s.start, s.end) for s in t.segments] == [
        ("Alice", "Hello and welcome to the show.", 1.0, 3.5),
        ("Bob", "Thanks, Alice. [laughs]", 5.0, 7.25),
        (
            "Alice",
            "This is a very long cue that goes on and on, it is kept whole and never split by ingest.",
            10.0,
            70.0,
        ),
    ]


VTT = """\
WEBVTT
Kind: captions
Language: en

NOTE this is a comment
that spans two lines

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:03.000 align:start position:10%
<v Alice Smith>Hi <c.yellow>everyone</c></v>

00:03.000 --> 00:05.000
<v Bob>你好</v>
<v Bob>大家</v>

00:00:05.000 --> 00:00:07.000
- Where are we?
- Here.
"""


def test_vtt(tmp_path):
    t = load_transcript(write(tmp_path, "ep.vtt", VTT))
    assert [(s.speaker, s.text, s.start, s.end) for s in t.segments] == [
        ("Alice Smith", "Hi everyone", 1.0, 3.0),
        ("Bob", "你好大家", 3.0, 5.0),
        ("Bob", "Where are we? Here.", 5.0, 7.0),
    ]


def test_vtt_rolling_auto_captions_are_not_repeated():
    text = (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.000\nso today we<00:00:00.500><c> talk</c>\n\n"
        "00:00:02.000 --> 00:00:02.010\nso today we talk\n\n"
        "00:00:02.010 --> 00:00:04.000\nso today we talk\nabout open models\n\n"
    )
    t = load_transcript(text)
    assert [s.text for s in t.segments] == ["so today we talk", "about open models"]


def test_subtitles_only_junk_is_nothing_speakable(tmp_path):
    p = write(
        tmp_path,
        "junk.srt",
        "1\n00:00:01,000 --> 00:00:02,000\n[Music]\n\n2\n00:00:02,000 --> 00:00:03,000\n♪\n",
    )
    with pytest.raises(InputError, match="junk.srt"):
        load_transcript(p)


# --------------------------------------------------------------- timestamped


def test_timestamped_bold_names():
    text = (
        "0:01:41.2 **Lex Fridman** What is the future?\nIt keeps going here.\n"
        "0:01:45.0 **Mark** Open source.\n"
    )
    t = load_transcript(text)
    assert [(s.speaker, s.text, s.start) for s in t.segments] == [
        ("Lex Fridman", "What is the future? It keeps going here.", 101.2),
        ("Mark", "Open source.", 105.0),
    ]


def test_timestamped_bracket_and_colon(tmp_path):
    text = "[00:00:05] 主持人: 欢迎收听。\n\n[00:01:41] 嘉宾：谢谢（笑）\n\n[00:02:00] 还有一句。\n"
    t = load_transcript(write(tmp_path, "ep.txt", text))
    assert [(s.speaker, s.text, s.start) for s in t.segments] == [
        ("主持人", "欢迎收听。", 5.0),
        ("嘉宾", "谢谢[笑]", 101.0),
        ("嘉宾", "还有一句。", 120.0),
    ]


def test_timestamped_otter_style():
    text = "Speaker 1  0:03\nHello there.\n\nSpeaker 2  0:07\nHi!\n"
    t = load_transcript(text)
    assert [(s.speaker, s.text, s.start) for s in t.segments] == [
        ("Speaker 1", "Hello there.", 3.0),
        ("Speaker 2", "Hi!", 7.0),
    ]


# -------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.txt", SRT, "srt"),
        ("a.txt", VTT, "vtt"),
        ("a.txt", "0:00:01 **A** hi\n0:00:02 **B** yo\n", "timestamped"),
        ("a.txt", "# T\n\n**A:** hi\n", "markdown"),
        ("a.md", "just text\n", "markdown"),
        ("a.txt", "just text\nmore text\n", "text"),
    ],
)
def test_sniff_format(name, text, fmt):
    assert sniff_format(text, Path(name)) == fmt


def test_format_override_and_aliases(tmp_path):
    p = write(tmp_path, "a.md", "**Ann:** hi there\n\n**Ann:** again\n")
    assert load_transcript(p, format="text").segments[0].text == "hi there"
    assert load_transcript(p, format="md").segments[0].speaker == "Ann"
    with pytest.raises(InputError, match="a.md"):
        load_transcript(p, format="srt")
    with pytest.raises(InputError, match="Unknown transcript format 'docx'") as e:
        load_transcript(p, format="docx")
    assert "a.md" in str(e.value)


# ------------------------------------------------------------------ encodings

ZH = "主持人：大家好，欢迎收听。\n嘉宾：谢谢邀请！\n"


@pytest.mark.parametrize(
    "data",
    [
        ZH.encode("utf-8"),
        b"\xef\xbb\xbf" + ZH.encode("utf-8"),
        ZH.encode("utf-16"),  # with BOM
        b"\xfe\xff" + ZH.encode("utf-16-be"),
        ZH.encode("gb18030"),
        ZH.encode("gbk"),
        ZH.replace("\n", "\r\n").encode("utf-8"),
        ZH.replace("\n", "\r").encode("gb18030"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-be", "gb18030", "gbk", "crlf", "cr-gb18030"],
)
def test_encodings_and_line_endings(tmp_path, data):
    p = tmp_path / "zh.txt"
    p.write_bytes(data)
    t = load_transcript(p)
    assert speech(t) == [("主持人", "大家好，欢迎收听。"), ("嘉宾", "谢谢邀请！")]
    assert t.language == "zh"


def test_utf16_without_bom_and_cp1252(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("Ann: Hello there.\nBen: Hi.\n".encode("utf-16-le"))
    assert speech(load_transcript(p)) == [("Ann", "Hello there."), ("Ben", "Hi.")]
    p.write_bytes(ZH.encode("utf-16-le"))
    assert speech(load_transcript(p)) == [("主持人", "大家好，欢迎收听。"), ("嘉宾", "谢谢邀请！")]
    p.write_bytes(ZH.encode("utf-16-be"))
    assert speech(load_transcript(p)) == [("主持人", "大家好，欢迎收听。"), ("嘉宾", "谢谢邀请！")]
    p.write_bytes("Ann: Café au lait.\nBen: Très bien.\n".encode("cp1252"))
    assert speech(load_transcript(p)) == [("Ann", "Café au lait."), ("Ben", "Très bien.")]


# --------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "is empty"),
        (b"  \n\r\n\t ", "is empty"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe\x00" * 20, "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
        (b"PK\x03\x04" + bytes(range(256)), "Word/zip"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (b"![](https://x.example/a.png)\n\n[](https://x.example)\n", "nothing speakable"),
        ("（笑）\n……\n".encode(), "nothing speakable"),
    ],
    ids=["empty", "blank", "nul-binary", "png", "docx", "pdf", "only-images", "only-annotations"],
)
def test_bad_files_raise_input_error_naming_the_file(tmp_path, data, match):
    p = tmp_path / "bad input.txt"
    p.write_bytes(data)
    with pytest.raises(InputError, match=match) as e:
        load_transcript(p)
    msg = str(e.value)
    assert str(p) in msg and msg.count(";") <= 1 and "\n" not in msg


def test_missing_folder_and_unreadable(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="does not exist") as e:
        load_transcript(tmp_path / "nope.txt")
    assert "nope.txt" in str(e.value)
    with pytest.raises(InputError, match="is a folder"):
        load_transcript(tmp_path)
    p = write(tmp_path, "locked.txt", "hello\nthere\n")

    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(InputError, match="permission denied") as e:
        load_transcript(p)
    assert "locked.txt" in str(e.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_for_real(tmp_path):
    p = write(tmp_path, "locked.txt", "hello\nthere\n")
    p.chmod(0)
    with pytest.raises(InputError, match="permission"):
        load_transcript(p)


def test_errors_are_voicer_errors():
    assert issubclass(InputError, VoicerError)
    with pytest.raises(InputError, match="Unknown language"):
        load_transcript("a\nb\n", language="fr")
    with pytest.raises(InputError, match="empty"):
        load_transcript("")


# ------------------------------------------------------------------ language


def test_detect_language():
    assert detect_language("我们今天讨论开源模型的未来。") == "zh"
    assert detect_language("We talk about the future of open models.") == "en"
    assert (
        detect_language("我们用 PyTorch 训练 large language models，然后 deploy 到 production servers 上。")
        == "mixed"
    )
    assert (
        detect_language(
            "Jensen said 黄仁勋 is his Chinese name, and he likes to talk about GPUs and AI a lot."
        )
        == "en"
    )
    assert (
        detect_language(
            "Meta的Llama 3.1在SIGGRAPH上发布，扎克伯格和黄仁勋讨论了开源模型的未来发展方向和产业格局。"
        )
        == "zh"
    )


def test_language_override():
    t = load_transcript("我们今天讨论开源模型。\n明天继续。\n", language="en")
    assert t.language == "en"
    assert load_transcript("我们今天讨论开源模型。\n明天继续。\n", language="auto").language == "zh"


def test_import_stays_light():
    code = (
        "import sys, voicer.ingest; "
        "mods = ('jieba', 'torch', 'numpy', 'TTS', 'pedalboard', 'mutagen'); "
        "heavy = [m for m in mods if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_markdown_front_matter_and_label_on_its_own_line():
    text = (
        "---\ntitle: My Episode\nauthor: Ann\n---\n\n"
        "**Ann:**\n\nFirst thought.\n\nSecond thought.\n\n**Bob:** Reply.\n\n**Ann:**\n\nBye.\n"
    )
    t = load_transcript(text, format="markdown")
    assert t.title == "My Episode" and t.meta == {"author": "Ann"}
    assert speech(t) == [
        ("Ann", "First thought."),
        ("Ann", "Second thought."),
        ("Bob", "Reply."),
        ("Ann", "Bye."),
    ]
    assert t.segments[0].line == 8


def test_subtitle_lines_in_a_markdown_file_are_not_glued(tmp_path):
    p = write(tmp_path, "notes.md", "# 标题\n\n大家好\n我是大飞\n今天聊**开源**\n")
    t = load_transcript(p)
    assert [s.text for s in t.segments] == ["大家好", "我是大飞", "今天聊开源"]


def test_a_laugh_is_never_moved_to_another_speaker():
    t = load_transcript("A: 你好。\nB: 嗯。\nA: 好的。\nB: （笑）\n")
    assert speech(t) == [("A", "你好。"), ("B", "嗯。"), ("A", "好的。")]
    t = load_transcript("A: 你好。\nB: 嗯。\nB: （笑）\n")
    assert speech(t)[-1] == ("B", "嗯。[笑]")
