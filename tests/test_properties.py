"""Property tests (hypothesis), so whole classes of issue 15's defects cannot come back:

- ingest: any bytes (and any text in any format) give a Transcript or one VoicerError,
  never another exception;
- the script file: writing a script and reading it back gives the same script;
- the text normalizer: never raises, never leaves an ASCII digit in Mandarin, and
  normalizing its own output changes nothing (idempotent).

Examples are few enough (and deadline=None) for CI; hypothesis shrinks any failure to a
small input and prints it.
"""

from __future__ import annotations

import os
import re
import warnings

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from voicer.errors import VoicerError, VoicerWarning
from voicer.ingest import FORMATS, load_transcript
from voicer.model import Chapter, Host, Script, Transcript, Turn
from voicer.script import format_script, parse_script
from voicer.text import normalize

# CI runs the same examples every time (derandomize); VOICER_PROPERTY_EXAMPLES=3000 runs a
# deeper, random search locally.
EXAMPLES = os.environ.get("VOICER_PROPERTY_EXAMPLES")
FAST = settings(
    max_examples=int(EXAMPLES or 120),
    derandomize=EXAMPLES is None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces transcripts are made of, so generated inputs reach the parsers' interesting paths.
PIECES = [
    "\n", "\n\n", " ", "：", ":", "**", "# ", "## ", "(", ")", "（", "）", "[", "]", "-->", ",", ".", "。",
    "？", "!", "1", "00:00:01,000 --> 00:00:02,000", "WEBVTT", "<v Ann>", "[00:01:41]", "Ann: ", "主持人：",
    "嘉宾：35岁", "刘:", "刘铮:", "(laughs)", "（笑）", "(Typewriter Dings)", "GPT-4", "35万", "2024-07-24",
    "Hello world", "你好世界", "\ufeff", "\u200b", "\r\n", "\t", "---", "> ", "![](x.png)", "[a](http://b)",
    "مرحبا", "Привет", "こんにちは", "\x00", "\x85", "3.5%", "$3 trillion", "St.", "400-820-8820",
]  # fmt: skip
transcript_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40).map("".join)


def _ingest(source: str | bytes, fmt: str = "auto") -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VoicerWarning)  # a skipped cue is fine here
            t = load_transcript(source, format=fmt)
    except VoicerError:
        return
    assert isinstance(t, Transcript)
    assert t.language in ("zh", "en", "mixed")
    assert any(s.kind == "speech" for s in t.segments)


@FAST
@given(st.binary(max_size=400))
@example(b"\xff\xfe\x00\xd8")  # a UTF-16 BOM and a lone surrogate
@example(b"1\n00:00:01,000 --> 00:00:02,000\n\xa3\xac\n")
def test_any_bytes_give_a_transcript_or_one_voicer_error(data: bytes) -> None:
    _ingest(data)


@FAST
@given(transcript_text, st.sampled_from(FORMATS))
def test_any_text_in_any_format_gives_a_transcript_or_one_voicer_error(text: str, fmt: str) -> None:
    _ingest(text.encode("utf-8"), fmt)
    _ingest(text.encode("utf-16"), fmt)


@FAST
@given(transcript_text, st.sampled_from(["utf-8", "gb18030", "utf-16-le"]))
def test_any_text_in_any_encoding_gives_a_transcript_or_one_voicer_error(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    _ingest(data)


# ------------------------------------------------------------------ the script file

_WORD = st.one_of(
    st.text(alphabet=st.characters(categories=("Ll", "Lu", "Lo", "Nd")), min_size=1, max_size=8),
    st.sampled_from(["，", "。", "?", "!", "[笑]", "[laughs]", "GPT-4", "3.5%", "(aside)", "“quoted”",
                     "[pause 0.5s]", "a*b", "—", "...", "#1", "50:50", "e.g.", "\"q\""]),
)  # fmt: skip
_TEXT = st.lists(_WORD, min_size=1, max_size=12).map(" ".join)
_ID = st.text(alphabet=st.characters(categories=("Ll", "Lu", "Lo")), min_size=1, max_size=6).filter(
    lambda s: s.strip() == s
)
_TITLE = st.text(alphabet=st.characters(categories=("Ll", "Lu", "Lo", "Nd", "Zs", "Po")), min_size=1,
                 max_size=20).map(str.strip).filter(bool)  # fmt: skip
_META_VALUE = st.text(
    alphabet=st.characters(categories=("Ll", "Lu", "Lo", "Nd", "Zs", "Po", "Cc")), max_size=20
)


@st.composite
def scripts(draw: st.DrawFn) -> Script:
    ids = draw(st.lists(_ID, min_size=2, max_size=3, unique_by=lambda s: s.casefold()))
    hosts = [
        Host(id=i, name=draw(_TITLE), voice=draw(st.sampled_from(["zh-female-1", "en-male-1"]))) for i in ids
    ]
    chapters = []
    for _ in range(draw(st.integers(1, 3))):
        turns = [
            Turn(
                speaker=draw(st.sampled_from(ids)),
                text=draw(_TEXT),
                pause_after=draw(st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.5, 2.25, 12.0]))),
                bridge=draw(st.booleans()),
            )
            for _ in range(draw(st.integers(1, 4)))
        ]
        chapters.append(Chapter(title=draw(_TITLE), turns=turns))
    keys = draw(st.lists(st.sampled_from(["author", "show", "date", "description", "episode"]), unique=True))
    meta = {k: draw(_META_VALUE) for k in keys}
    return Script(
        title=draw(_TITLE),
        language=draw(st.sampled_from(["zh", "en"])),
        hosts=hosts,
        chapters=chapters,
        meta=meta,
    )


@FAST
@given(scripts())
def test_writing_then_reading_a_script_gives_the_same_script(script: Script) -> None:
    assert parse_script(format_script(script), "ep.md") == script


# ------------------------------------------------------------------ the normalizer

_ASCII_DIGIT = re.compile(r"[0-9]")
normalizer_text = st.one_of(transcript_text, st.text(max_size=60))


@FAST
@given(normalizer_text)
@example("0:01:39.5")
@example("400-820-8820")
@example("H100 和 A100，3.5% 的 GPT-4o，2024年7月")
def test_mandarin_normalization_never_raises_and_leaves_no_digit(text: str) -> None:
    spoken = normalize(text, "zh")
    assert not _ASCII_DIGIT.search(spoken), spoken


@FAST
@given(normalizer_text, st.sampled_from(["zh", "en", "mixed"]))
@example("(Inaudible: 0:01:39.5 Ethereum?)", "en")
@example("221B Baker St.", "en")
# Found by this test (each was a bug: a stray \r, a Tai Tham digit crashing cn2an, "-->",
# a marker over two lines, "1.2.3", an aside over two lines, glued abbreviations and periods).
@example("0\r:", "zh")
@example("\u1a80", "zh")
@example("-->", "en")
@example("[\n]", "zh")
@example("0.0.0", "en")
@example("(\nð)", "zh")
@example("St.St.", "en")
@example("d\\.V", "en")
@example("0\r.0", "en")
@example("GPT-4\n.St.", "en")
@example("0.A", "en")
def test_normalization_is_idempotent(text: str, language: str) -> None:
    once = normalize(text, language)
    assert normalize(once, language) == once


@pytest.mark.parametrize("language", ["zh", "en", "mixed"])
def test_normalizer_accepts_the_empty_text(language: str) -> None:
    assert normalize("", language) == ""
