"""Voice presets, get_engine/doctor, and the offline (eSpeak NG) engine on real text."""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import helpers
import numpy as np
import pytest

from voicer.engines import (
    default_cast,
    default_narrator,
    doctor,
    get_engine,
    get_voice,
    load_voices,
    split_language_spans,
    trim_silence,
)
from voicer.errors import EngineError, VoiceError, VoicerError

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
EN_PASSAGE = (
    "Welcome back to the show. Today we talk about open source models, "
    "why Meta gives Llama away, and what that means for the rest of us."
)


def dafei_turn(start: int = 0, lines: int = 4) -> str:
    rows = (TRANSCRIPTS / "dafei-monologue.zh.txt").read_text(encoding="utf-8").splitlines()
    return "，".join(r.strip() for r in rows[start : start + lines] if r.strip()) + "。"


def interview_paragraph() -> str:
    text = (TRANSCRIPTS / "huang-zuckerberg-interview.zh.md").read_text(encoding="utf-8")
    for para in text.split("\n\n"):
        if para.startswith("作为拥有"):
            return para.strip()
    raise AssertionError("expected paragraph not found in the interview transcript")


def median_f0(x: np.ndarray, sr: int) -> float:
    f0 = helpers.median_f0(x, sr, fmax=500.0)
    assert f0 > 0, "no voiced frames"
    return f0


@pytest.fixture(scope="module")
def voices():
    return load_voices()


@pytest.fixture(scope="module")
def offline():
    return get_engine("offline")


# ------------------------------------------------------------------ presets


def test_bundled_presets_cover_both_engines_and_state_a_licence(voices):
    required = ["zh-female-1", "zh-male-1", "zh-female-2", "en-female-1", "en-male-1", "en-female-2"]
    for name in required + ["en-vctk-female", "en-vctk-male", "zh-baker"]:
        v = voices[name]
        assert v.language == name[:2]
        assert v.licence, name
        assert v.engines["offline"]["voice"]
        assert v.engines["coqui"]["model"].startswith("tts_models/")
        assert v.engines["coqui"].get("licence"), name
    assert voices["zh-female-1"].engines["coqui"]["language"] == "zh-cn"
    assert "CPML" in voices["en-male-1"].engines["coqui"]["licence"]
    assert "Apache" in voices["en-vctk-male"].engines["coqui"]["licence"]


def test_every_bundled_preset_speaks_offline(offline, voices):
    for v in voices.values():
        audio, sr = offline.synthesize("你好" if v.language == "zh" else "Hello there.", v, v.language)
        assert len(audio) > sr // 4, v.name


def test_default_cast_is_two_distinct_voices_of_the_language(voices):
    for lang in ("zh", "en"):
        a, b = default_cast(lang, "offline")
        assert a != b
        assert voices[a].language == voices[b].language == lang
        assert {voices[a].gender, voices[b].gender} == {"female", "male"}
        narrator = default_narrator(lang)
        assert narrator not in (a, b) and voices[narrator].language == lang
    assert default_cast("zh", "coqui") == default_cast("zh", "offline")
    with pytest.raises(VoiceError):
        default_cast("fr", "offline")


def test_get_voice_unknown_name_says_how_to_list(voices):
    assert get_voice("en-male-1", voices).name == "en-male-1"
    with pytest.raises(VoiceError, match=r"Unknown voice 'nobody'.*voicer voices"):
        get_voice("nobody", voices)


def test_user_preset_dirs_add_and_override(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "my-host.toml").write_text(
        'language = "zh"\ngender = "male"\n[engines.offline]\nvoice = "cmn+m1"\n', encoding="utf-8"
    )
    (tmp_path / "b" / "override.toml").write_text(
        'name = "en-male-1"\nlanguage = "en"\n[engines.offline]\nvoice = "en-gb+m2"\n', encoding="utf-8"
    )
    monkeypatch.setenv("VOICER_VOICES_DIR", str(tmp_path / "a"))
    vs = load_voices([tmp_path / "b"])
    assert vs["my-host"].engines["offline"]["voice"] == "cmn+m1"
    assert vs["my-host"].path == str(tmp_path / "a" / "my-host.toml")
    assert vs["en-male-1"].engines["offline"]["voice"] == "en-gb+m2"
    assert "zh-female-1" in vs


def test_bad_presets_raise_voice_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('language = "zh"\n[engines.offline\n', encoding="utf-8")
    with pytest.raises(VoiceError, match="broken.toml"):
        load_voices([tmp_path])
    bad.write_text('language = "fr"\n', encoding="utf-8")
    with pytest.raises(VoiceError, match="language"):
        load_voices([tmp_path])
    with pytest.raises(VoiceError, match="does not exist"):
        load_voices([tmp_path / "missing"])


# ------------------------------------------------------------------ registry


def test_get_engine_names_and_errors(voices, monkeypatch, tmp_path):
    assert get_engine("offline").name == "offline"
    with pytest.raises(EngineError, match="Unknown engine"):
        get_engine("festival")
    with pytest.raises(EngineError, match="Unknown device"):
        get_engine("offline", device="tpu")
    # No Coqui model in an empty cache: auto falls back to the embedded Kokoro and says why
    # (tests/test_engines_kokoro.py: and to offline when Kokoro's packages are missing).
    monkeypatch.setenv("TTS_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    e = get_engine("auto", voices=voices)
    assert e.name == "kokoro"
    assert "Kokoro" in e.note and ("not downloaded" in e.note or "not installed" in e.note)


def test_doctor_reports_offline_engine_ok():
    rows = doctor(check_import=False)
    assert all(isinstance(r, tuple) and len(r) == 3 for r in rows)
    first = rows[0]
    assert first[0].startswith("offline engine (eSpeak NG 1.52") and first[1] is True
    names = [r[0] for r in rows]
    assert "coqui-tts" in names and "torch device" in names


# ------------------------------------------------------------------ helpers


def test_trim_silence_cuts_padding_not_speech():
    sr = 22050
    t = np.arange(sr) / sr
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    padded = np.concatenate([np.zeros(sr // 2, np.float32), tone, np.zeros(sr, np.float32)])
    out = trim_silence(padded, sr)
    assert sr <= len(out) < sr + int(0.1 * sr)
    assert len(trim_silence(np.zeros(1000, np.float32), sr)) == 0


def test_split_language_spans_keeps_latin_words_together():
    spans = split_language_spans("我今天用 Nvidia 的 GPU 训练模型", "zh")
    assert ("Nvidia", "en") in [(s.strip(), lang) for s, lang in spans]
    assert "".join(s for s, _ in spans).replace(" ", "") == "我今天用Nvidia的GPU训练模型"
    assert split_language_spans(EN_PASSAGE, "en") == [(EN_PASSAGE, "en")]


# ------------------------------------------------------------------ offline engine


def test_offline_speaks_real_mandarin_turn(offline, voices):
    text = dafei_turn(0, 4)  # includes "llama3.1" and "Meta" inside Chinese
    audio, sr = offline.synthesize(text, voices["zh-female-1"], "zh")
    assert sr == 22050
    assert audio.dtype == np.float32 and audio.ndim == 1
    seconds = len(audio) / sr
    # Mandarin is spoken at roughly 3-6 characters per second.
    assert len(text) / 8 < seconds < len(text) / 1.5
    assert np.sqrt(np.mean(audio**2)) > 0.02
    assert np.abs(audio).max() <= 1.0
    # Trimmed: the last 50 ms are not all silence-padding of the engine.
    assert np.abs(audio[-int(0.08 * sr) :]).max() > 1e-3


def test_offline_speaks_latin_words_inside_chinese(offline, voices):
    v = voices["zh-male-1"]
    with_latin, sr = offline.synthesize("他在 SIGGRAPH 大会上和 Jensen Huang 对谈。", v, "zh")
    without, _ = offline.synthesize("他在大会上对谈。", v, "zh")
    assert len(with_latin) > len(without) + sr  # the English words take over a second


def test_offline_speaks_long_interview_paragraph(offline, voices):
    para = interview_paragraph()
    audio, sr = offline.synthesize(para, voices["zh-female-2"], "zh")
    assert len(audio) / sr > len(para) / 8
    assert offline.max_chars("zh") > 50 and offline.max_chars("en") > offline.max_chars("zh")


@pytest.mark.parametrize("lang,text", [("zh", None), ("en", EN_PASSAGE)])
def test_offline_hosts_are_clearly_distinct(offline, voices, lang, text):
    text = text or dafei_turn(4, 4)
    a, b = default_cast(lang, "offline")
    xa, sr = offline.synthesize(text, voices[a], lang)
    xb, _ = offline.synthesize(text, voices[b], lang)
    fa, fb = median_f0(xa, sr), median_f0(xb, sr)
    # Female host clearly higher than the male host (> 30 % apart).
    assert fa > 1.3 * fb, (fa, fb)


def test_offline_identity_changes_with_settings(offline, voices):
    ia = offline.identity(voices["zh-female-1"])
    ib = offline.identity(voices["zh-male-1"])
    assert ia != ib and ia["engine"] == "offline" and "1.52" in ia["version"]
    assert ia == offline.identity(voices["zh-female-1"])


def test_offline_bad_settings_raise_voice_error(offline, voices, tmp_path):
    (tmp_path / "x.toml").write_text(
        'language = "en"\n[engines.offline]\nvoice = "no-such-voice"\n', encoding="utf-8"
    )
    (tmp_path / "y.toml").write_text('language = "en"\n[engines.offline]\nvoice = "en-us"\npitch = 300\n')
    (tmp_path / "z.toml").write_text('language = "en"\n[engines.coqui]\nspeaker = "p225"\n')
    vs = load_voices([tmp_path])
    with pytest.raises(VoiceError, match="no voice"):
        offline.synthesize("hello", vs["x"], "en")
    with pytest.raises(VoiceError, match="pitch"):
        offline.synthesize("hello", vs["y"], "en")
    with pytest.raises(VoiceError, match=r"engines\.offline"):
        offline.synthesize("hello", vs["z"], "en")
    with pytest.raises(VoicerError):
        offline.synthesize("hello", voices["en-male-1"], "fr")


def test_offline_threads_do_not_mix_voices(offline, voices):
    """The library is global state: concurrent calls must not leak voice settings."""
    text = dafei_turn(8, 3)
    ref = {
        n: median_f0(offline.synthesize(text, voices[n], "zh")[0], 22050)
        for n in ("zh-female-1", "zh-male-1")
    }
    results: dict[str, list[float]] = {"zh-female-1": [], "zh-male-1": []}

    def work(name: str) -> None:
        for _ in range(3):
            results[name].append(median_f0(offline.synthesize(text, voices[name], "zh")[0], 22050))

    threads = [threading.Thread(target=work, args=(n,)) for n in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, f0s in results.items():
        assert len(f0s) == 3
        assert all(abs(f - ref[name]) / ref[name] < 0.05 for f in f0s), (name, f0s, ref)


def _worker_synth(args: tuple[bytes, str, str]) -> tuple[int, int]:
    engine_blob, voice_name, text = args
    engine = pickle.loads(engine_blob)
    audio, sr = engine.synthesize(text, load_voices()[voice_name], "zh")
    return len(audio), sr


def test_offline_engine_works_in_worker_processes(offline, voices):
    text = dafei_turn(12, 3)
    local, _ = offline.synthesize(text, voices["zh-female-1"], "zh")
    blob = pickle.dumps(offline)
    with ProcessPoolExecutor(max_workers=2) as pool:
        out = list(pool.map(_worker_synth, [(blob, "zh-female-1", text)] * 2 + [(blob, "zh-male-1", text)]))
    assert all(sr == 22050 for _, sr in out)
    for n, _ in out[:2]:
        assert abs(n - len(local)) / len(local) < 0.03


def test_offline_seed_is_accepted_and_engine_needs_a_fresh_process(offline, voices):
    assert offline.traits.determinism == "fresh-process"
    offline.seed(0)
    audio, sr = offline.synthesize("Hello there.", voices["en-female-1"], "en")
    assert len(audio) > sr // 4
