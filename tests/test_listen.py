"""A test that listens: the default engine, transcribed by an offline Whisper base.

Three Mandarin sentences from the shared monologue (numbers and Latin words included) and
one English sentence are spoken by the default hosts the way render speaks a turn, then
scored as a listener hears them (voicer/listen.py: CER for Mandarin, WER for English).
Needs the `listen` extra; slow (about a minute on two cores).
"""

from __future__ import annotations

import helpers
import numpy as np
import pytest

pytest.importorskip(
    "faster_whisper", reason="the listener needs the `listen` extra: pip install -e '.[listen]'"
)

from voicer.engines import default_cast, get_engine, load_voices  # noqa: E402
from voicer.listen import Listener, error_rate, fold_en, fold_zh  # noqa: E402
from voicer.text import prepare  # noqa: E402

# (first line, last line) of the monologue, joined with commas into one spoken sentence:
# ~40-50 characters (Whisper base needs 8 s or more to transcribe reliably).
ZH_LINES = ((13, 16), (20, 22), (53, 57))
EN = (
    "In the future, every business will have an AI agent that talks to its customers, "
    "just like it has an email address, a website and 2 or 3 social media accounts."
)


def _sentence(first: int, last: int) -> str:
    lines = helpers.excerpt(helpers.MONOLOGUE, first, last).split("\n")
    return "，".join(ln.strip() for ln in lines if ln.strip()) + "。"


def _speak(engine, voice, text: str, language: str) -> tuple[np.ndarray, int]:
    parts, rate = [], engine.traits.sample_rate
    for chunk in prepare(text, language, engine.max_chars(language)):
        samples, rate = engine.synthesize(chunk, voice, language)
        parts += [samples, np.zeros(int(0.12 * rate), dtype=np.float32)]
    return np.concatenate(parts[:-1]), rate


@pytest.fixture(scope="module")
def heard():
    if not helpers.MONOLOGUE.is_file():
        pytest.skip(f"shared transcripts not found at {helpers.SHARED}")
    engine = get_engine("auto")
    voices = load_voices()
    listener = Listener()
    zh_hosts = [voices[n] for n in default_cast("zh", engine.name)]
    out = {"engine": engine.name, "zh": [], "f0": {}}
    for i, (first, last) in enumerate(ZH_LINES):
        text = _sentence(first, last)
        host = zh_hosts[i % 2]  # A, B, A: both hosts speak
        audio, rate = _speak(engine, host, text, "zh")
        out["zh"].append((text, listener.transcribe(audio, rate, "zh")))
        out["f0"].setdefault(host.name, []).append(helpers.median_f0(audio, rate, fmax=500.0))
    en_host = voices[default_cast("en", engine.name)[0]]
    audio, rate = _speak(engine, en_host, EN, "en")
    out["en"] = listener.transcribe(audio, rate, "en")
    return out


@pytest.mark.slow
def test_default_engine_is_a_real_voice(heard):
    assert heard["engine"] in ("kokoro", "coqui"), "the default should be a neural voice here"


@pytest.mark.slow
def test_mandarin_is_understood(heard):
    rates = [error_rate(ref, hyp, "zh") for ref, hyp in heard["zh"]]
    assert sum(rates) / len(rates) <= 0.35, list(zip(rates, heard["zh"], strict=True))


@pytest.mark.slow
def test_english_is_understood(heard):
    wer = error_rate(EN, heard["en"], "en")
    assert wer <= 0.20, (wer, heard["en"])


@pytest.mark.slow
def test_the_two_hosts_differ(heard):
    (a, fa), (b, fb) = heard["f0"].items()
    lo, hi = sorted((float(np.median(fa)), float(np.median(fb))))
    assert hi > 1.3 * lo, (a, fa, b, fb)


def test_scoring_folds_both_sides_the_same_way():
    assert fold_zh("這裡有90%的人，花了$300！") == "这里有百分之九十的人花了三百美元"
    assert error_rate("这里有90%的人", "這裡有百分之九十的人", "zh") == 0.0
    assert error_rate("这里有90%的人", "这里有人", "zh") == pytest.approx(6 / 10)
    assert fold_en("It costs $300, Dr. Smith!") == [
        "it",
        "costs",
        "three",
        "hundred",
        "dollars",
        "doctor",
        "smith",
    ]
    assert error_rate("It costs $300.", "it costs three hundred dollars", "en") == 0.0
    assert error_rate("one two three four", "one two four", "en") == pytest.approx(0.25)
    assert error_rate("one two", "", "en") == 1.0
    assert error_rate("老黄看着扎克伯格", "老黄看着查克伯" + "伯" * 40, "zh") == 1.0  # a loop counts 1.0
