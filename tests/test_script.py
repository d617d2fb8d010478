"""Script stage: sentences, casting, conversation, chapters, round trip (on the shared transcripts)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import pytest

from voicer.errors import InputError
from voicer.model import Script, Segment, Transcript, word_count
from voicer.script import (
    format_script,
    is_script_file,
    make_script,
    parse_script,
    read_script,
    split_sentences,
    write_script,
)
from voicer.script.sentences import content_chars, speech_seconds

SHARED = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
MONOLOGUE = SHARED / "dafei-monologue.zh.txt"
INTERVIEW = SHARED / "huang-zuckerberg-interview.zh.md"


@functools.lru_cache(maxsize=4)
def load(path: Path) -> Transcript:
    from voicer.ingest import load_transcript

    return load_transcript(path)


@functools.lru_cache(maxsize=8)
def script_for(path: Path, seed: int = 0) -> Script:
    return make_script(load(path), seed=seed)


def _source_chars(tr: Transcript) -> str:
    return "".join(content_chars(s.text) for s in tr.segments if s.kind == "speech")


def _content_turns(script: Script):
    return [t for _, _, t in script.turns() if not t.bridge]


# ----------------------------------------------------------------- sentences


def test_split_sentences_keeps_every_character_of_the_monologue_in_order() -> None:
    text = MONOLOGUE.read_text(encoding="utf-8")
    sentences = split_sentences(text, "zh")
    assert "".join(content_chars(s) for s in sentences) == content_chars(text)
    lines = [x for x in text.splitlines() if x.strip()]
    # Subtitle lines are grouped: fewer sentences than lines, but more than one per 5 lines.
    assert len(lines) // 5 < len(sentences) < len(lines)
    assert all(s.endswith(("。", "？", "！", "?", "!")) for s in sentences)


def test_split_sentences_groups_unpunctuated_clauses_at_particles_and_cues() -> None:
    text = "今天天气很好啊\n我们去公园散步吧\n但是下午可能会下雨\n所以记得带伞"
    out = split_sentences(text, "zh")
    assert out[:2] == ["今天天气很好啊。", "我们去公园散步吧。"]
    # The discourse markers open a clause or a sentence.
    assert "".join(out[2:]) in ("但是下午可能会下雨，所以记得带伞。", "但是下午可能会下雨。所以记得带伞。")
    assert split_sentences("你吃饭了吗\n我还没吃", "zh") == ["你吃饭了吗？", "我还没吃。"]


def test_split_sentences_respects_existing_punctuation_and_decimals() -> None:
    assert split_sentences("Llama 3.1 came out. Did you try it? I did!", "en") == [
        "Llama 3.1 came out.",
        "Did you try it?",
        "I did!",
    ]
    assert split_sentences("他说：“好的。”然后走了[笑]。下一句", "zh") == [
        "他说：“好的。”",
        "然后走了[笑]。",
        "下一句。",
    ]


def test_split_sentences_english_subtitles() -> None:
    text = (
        "so today we look at the new model\nit is much faster than the old one\nwhat do you think about that"
    )
    out = split_sentences(text, "en")
    assert out[-1] == "what do you think about that?"
    assert "".join(content_chars(s) for s in out) == content_chars(text)


# ----------------------------------------------------------------- monologue


def test_monologue_becomes_two_hosts_speaking_every_sentence_once_in_order() -> None:
    tr = load(MONOLOGUE)
    script = script_for(MONOLOGUE)
    assert [h.id for h in script.hosts] == ["大飞", "主持人乙"]  # "我是大飞" names the lead
    assert len({h.voice for h in script.hosts}) == 2
    spoken = "".join(content_chars(t.text) for t in _content_turns(script))
    assert spoken == _source_chars(tr)


def test_monologue_hosts_share_the_words_and_bridges_stay_small() -> None:
    script = script_for(MONOLOGUE)
    words: Counter[str] = Counter()
    for t in _content_turns(script):
        words[t.speaker] += word_count(t.text)
    total = sum(words.values())
    bridge = sum(word_count(t.text) for _, _, t in script.turns() if t.bridge)
    for host in script.hosts:
        assert 0.35 <= words[host.id] / total <= 0.65, (host.id, words)
    assert 0 < bridge <= 0.15 * total


def test_monologue_turns_are_short() -> None:
    script = script_for(MONOLOGUE)
    for t in _content_turns(script):
        assert len(re.findall(r"[\u4e00-\u9fff]", t.text)) <= 120, t.text
        assert len(re.findall(r"[。！？!?]+", t.text)) <= 4, t.text


def test_monologue_questions_hand_over_to_the_other_host() -> None:
    turns = _content_turns(script_for(MONOLOGUE))
    asked = [i for i, t in enumerate(turns[:-1]) if t.text.endswith("？")]
    assert asked, "the monologue has questions"
    for i in asked:
        assert turns[i + 1].speaker != turns[i].speaker


def test_monologue_is_deterministic_per_seed() -> None:
    tr = load(MONOLOGUE)
    assert make_script(tr, seed=0) == script_for(MONOLOGUE)
    other = script_for(MONOLOGUE, 7)
    assert other != script_for(MONOLOGUE)
    spoken = "".join(content_chars(t.text) for t in _content_turns(other))
    assert spoken == _source_chars(tr)


def test_monologue_chapters_by_topic_with_intro_and_outro() -> None:
    script = script_for(MONOLOGUE)
    titles = [c.title for c in script.chapters]
    assert titles[0] == "开场" and titles[-1] == "结尾"
    assert 3 <= len(titles) <= 10
    assert len(set(titles)) == len(titles) and all(titles)
    assert script.chapters[0].turns[0].text.startswith("大家好")
    assert "下期再见" in script.chapters[-1].turns[-1].text
    for chapter in script.chapters[1:-1]:
        minutes = sum(speech_seconds(t.text, "zh") for t in chapter.turns) / 60
        assert 2 <= minutes <= 8, (chapter.title, minutes)
    # The cue "下一个话题" opens a chapter.
    starts = [next(t.text for t in c.turns if not t.bridge) for c in script.chapters]
    assert any(s.startswith("下一个话题") for s in starts)


# ----------------------------------------------------------------- interview


def test_interview_speakers_keep_their_turns_and_narration_goes_to_the_host() -> None:
    tr = load(INTERVIEW)
    script = script_for(INTERVIEW)
    ids = [h.id for h in script.hosts]
    assert ids == ["黄仁勋", "扎克伯格", "主持人"]
    assert len({h.voice for h in script.hosts}) == 3
    speech = [s for s in tr.segments if s.kind == "speech" and content_chars(s.text)]
    turns = _content_turns(script)
    assert [(t.speaker, content_chars(t.text)) for t in turns] == [
        (s.speaker or "主持人", content_chars(s.text)) for s in speech
    ]
    first = script.chapters[0].turns[0]
    assert first.bridge and first.speaker == "主持人" and tr.title in first.text


def test_interview_chapters_follow_headings() -> None:
    tr = load(INTERVIEW)
    script = script_for(INTERVIEW)
    titles = [c.title for c in script.chapters]
    assert titles[0] == "开场"
    heads = [h.text for h in tr.headings if h.text != tr.title]
    # Each chapter title is one heading or several consecutive headings joined; a heading's
    # chapter longer than 8 minutes continues in "title (2)" parts.
    joined = "".join(t for t in titles[1:] if not re.search(r" \(\d+\)$", t))
    assert content_chars(joined) == content_chars("".join(heads))
    assert script.title == tr.title


def test_more_than_two_speakers_get_distinct_voices() -> None:
    tr = Transcript(
        [
            Segment("这是一段开场白。"),
            Segment("大家好。", speaker="甲"),
            Segment("你好。", speaker="乙"),
            Segment("我也来了。", speaker="丙"),
        ]
    )
    script = make_script(tr)
    assert [h.id for h in script.hosts] == ["甲", "乙", "丙", "主持人"]
    assert len({h.voice for h in script.hosts}) == 4


def test_english_monologue_and_custom_voices() -> None:
    lines = [
        "hello everyone and welcome to the show",
        "today we talk about open models",
        "they changed how people build software",
        "but are they really as good as closed ones",
        "many engineers think so",
    ] * 6
    tr = Transcript([Segment(x) for x in lines], language="en")
    script = make_script(tr, voices=("en-male-1", "en-female-1"))
    assert [(h.id, h.voice) for h in script.hosts] == [("Alex", "en-male-1"), ("Sam", "en-female-1")]
    spoken = "".join(content_chars(t.text) for t in _content_turns(script))
    assert spoken == content_chars("".join(lines))
    assert all(len(t.text.split()) <= 80 for t in _content_turns(script))


def test_nothing_to_speak_is_an_input_error() -> None:
    with pytest.raises(InputError):
        make_script(Transcript([Segment("标题", kind="heading", level=1), Segment("[笑]")]))


# ----------------------------------------------------------------- file


@pytest.mark.parametrize("path", [MONOLOGUE, INTERVIEW], ids=["monologue", "interview"])
def test_script_file_round_trip(path: Path, tmp_path: Path) -> None:
    script = script_for(path)
    text = format_script(script)
    assert parse_script(text) == script
    out = tmp_path / "episode.md"
    write_script(script, out)
    assert is_script_file(out) and not is_script_file(path)
    assert read_script(out) == script
    assert "**" + script.hosts[0].id + ":** " in text


def test_unlabelled_text_with_headings_gets_heading_chapters_and_an_intro() -> None:
    tr = Transcript(
        [
            Segment("大家好，欢迎收听。"),
            Segment("第一部分", kind="heading", level=2),
            Segment("小标题", kind="heading", level=3),
            Segment("这是第一部分的内容。我们聊聊模型。"),
            Segment("第二部分", kind="heading", level=2),
            Segment("这是第二部分的内容[笑]。最后说再见。"),
        ]
    )
    script = make_script(tr, title="测试")
    assert [c.title for c in script.chapters] == ["开场", "第一部分：小标题", "第二部分"]
    spoken = "".join(content_chars(t.text) for t in _content_turns(script))
    assert spoken == "".join(content_chars(s.text) for s in tr.segments if s.kind == "speech")
    assert any("[笑]" in t.text for t in _content_turns(script))


def test_long_english_sentences_are_cut_at_commas_to_fit_a_turn() -> None:
    clause = "the model reads the whole page, "
    sentence = (clause * 30).strip().rstrip(",") + "."
    tr = Transcript([Segment(sentence), Segment("That is all.")], language="en")
    script = make_script(tr)
    turns = _content_turns(script)
    assert len(turns) > 2
    assert all(len(t.text.split()) <= 80 for t in turns)
    assert "".join(content_chars(t.text) for t in turns) == content_chars(sentence + "That is all.")


def test_labelled_interview_without_headings_gets_topic_chapters() -> None:
    tr = load(INTERVIEW)
    flat = Transcript([s for s in tr.segments if s.kind == "speech"], title=tr.title, language="zh")
    script = make_script(flat)
    assert len(script.chapters) >= 3
    assert len({c.title for c in script.chapters}) == len(script.chapters)
    speech = [s for s in flat.segments if content_chars(s.text)]
    assert [content_chars(t.text) for t in _content_turns(script)] == [content_chars(s.text) for s in speech]
    for chapter in script.chapters:
        minutes = sum(speech_seconds(t.text, "zh") for t in chapter.turns) / 60
        assert minutes <= 8 or len(chapter.turns) == 1, (chapter.title, minutes)
