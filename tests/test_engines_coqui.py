"""The Coqui engine on small random-weight VITS models (zh-cn and en, two speakers each),
through the same path users hit: a voice preset -> get_engine("coqui") -> synthesize."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import coqui_fixtures
import numpy as np
import pytest

from voicer.engines import doctor, download_models, get_engine, load_voices
from voicer.engines.coqui import model_status, resolve_device, spell_latin_zh
from voicer.errors import EngineError, ModelNotAvailableError, VoiceError

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "transcripts"


def dafei_turn(start: int, lines: int) -> str:
    rows = (TRANSCRIPTS / "dafei-monologue.zh.txt").read_text(encoding="utf-8").splitlines()
    return "，".join(r.strip() for r in rows[start : start + lines] if r.strip()) + "。"


def interview_answer() -> str:
    """One answer of the interview (a bold-labelled speaker paragraph)."""
    text = (TRANSCRIPTS / "huang-zuckerberg-interview.zh.md").read_text(encoding="utf-8")
    for para in text.split("\n\n"):
        if para.startswith("**扎克伯格") and len(para) > 60:
            body = para.split("**", 2)[2].replace("**", "").lstrip("：: ")
            return body[:36]
    raise AssertionError("no Zuckerberg answer found in the interview transcript")


EN_TURN = "Welcome back to the show. Today we talk about open source models and why they matter."


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("coqui-models")
    return {lang: coqui_fixtures.build_vits(root / lang, lang) for lang in ("zh-cn", "en", "multi")}


@pytest.fixture(scope="module")
def preset_dir(models, tmp_path_factory):
    d = tmp_path_factory.mktemp("coqui-presets")
    zh, en = models["zh-cn"], models["en"]
    presets = {
        # Named like the default cast, so `--engine auto` sees their models as local.
        "zh-female-1": ("zh", zh, "host_a"),
        "zh-male-1": ("zh", zh, "host_b"),
        "en-female-1": ("en", en, "host_a"),
        "en-male-1": ("en", en, "host_b"),
        "zh-nobody": ("zh", zh, "nobody"),
        "zh-nospeaker": ("zh", zh, None),
        "zh-multi": ("zh", models["multi"], "host_a"),
    }
    for name, (lang, (mp, cp), speaker) in presets.items():
        (d / f"{name}.toml").write_text(coqui_fixtures.preset_toml(name, lang, mp, cp, speaker))
    (d / "en-missing.toml").write_text(
        'name = "en-missing"\nlanguage = "en"\n[engines.coqui]\nmodel = "tts_models/en/ljspeech/vits"\n'
    )
    (d / "en-xtts.toml").write_text(
        'name = "en-xtts"\nlanguage = "en"\n[engines.coqui]\n'
        'model = "tts_models/multilingual/multi-dataset/xtts_v2"\nspeaker = "Ana Florence"\nlanguage = "en"\n'
    )
    return d


@pytest.fixture(scope="module")
def voices(preset_dir):
    return load_voices([preset_dir])


@pytest.fixture(scope="module")
def engine():
    e = get_engine("coqui", device="auto")
    yield e
    e.close()


@pytest.fixture
def empty_caches(tmp_path, monkeypatch):
    """No downloaded models anywhere and the hub offline."""
    monkeypatch.setenv("TTS_HOME", str(tmp_path / "tts-home"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("COQUI_TOS_AGREED", raising=False)
    return tmp_path


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def trailing_quiet(x: np.ndarray, level: float = 1e-3) -> int:
    """Samples of near-silence at the end."""
    loud = np.nonzero(np.abs(x) > level)[0]
    return len(x) - (int(loud[-1]) + 1 if len(loud) else 0)


def test_device_auto_is_cpu_without_gpu(engine):
    import torch

    if not torch.cuda.is_available():
        assert engine.device in ("cpu", "mps")
        with pytest.raises(EngineError, match="no CUDA"):
            resolve_device("cuda")
    else:
        assert engine.device == "cuda"
    assert resolve_device("cpu") == "cpu"


def test_speaks_real_mandarin_turn_and_trims_padding(engine, voices):
    text = dafei_turn(0, 2)
    audio, sr = engine.synthesize(text, voices["zh-female-1"], "zh")
    assert sr == 22050
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert rms(audio) > 1e-3
    assert np.abs(audio).max() <= 1.0
    # Coqui pads ~10,000 zero samples after each sentence; the engine cuts them.
    raw = engine._models[next(iter(engine._models))].tts(text=text, speaker="host_a", split_sentences=False)
    assert trailing_quiet(np.asarray(raw, dtype=np.float32)) >= 9000  # the raw output really is padded
    assert trailing_quiet(audio) < 0.05 * sr


def test_same_turn_same_audio_and_two_speakers_differ(engine, voices):
    text = interview_answer()
    a1, _ = engine.synthesize(text, voices["zh-female-1"], "zh")
    a2, _ = engine.synthesize(text, voices["zh-female-1"], "zh")
    b, _ = engine.synthesize(text, voices["zh-male-1"], "zh")
    np.testing.assert_array_equal(a1, a2)  # deterministic: render caches can rely on it
    n = min(len(a1), len(b))
    assert n > len(a1) // 2
    # Same text and same noise draws: the difference is the speaker alone.
    rel = np.linalg.norm(a1[:n] - b[:n]) / np.linalg.norm(a1[:n])
    assert rel > 0.05, rel


def test_model_is_loaded_once_per_engine(engine, voices):
    for name in ("zh-female-1", "zh-male-1", "zh-female-1"):
        engine.synthesize("你好，欢迎收听。", voices[name], "zh")
    zh_keys = [k for k in engine.loaded_models() if "zh-cn" in k[0]]
    assert len(zh_keys) == 1
    clone = pickle.loads(pickle.dumps(engine))  # what a worker process receives
    assert clone.loaded_models() == [] and clone.device == engine.device


def test_speaks_english_turn(engine, voices):
    audio, sr = engine.synthesize(EN_TURN, voices["en-male-1"], "en")
    assert audio.dtype == np.float32 and len(audio) > sr // 2 and rms(audio) > 1e-3


def test_latin_inside_chinese_is_spelled_for_a_chinese_only_model(engine, voices):
    assert spell_latin_zh("用GPU") == "用吉批优"
    v = voices["zh-male-1"]
    with_latin, sr = engine.synthesize("我们用 GPU 训练模型。", v, "zh")
    without, _ = engine.synthesize("我们用训练模型。", v, "zh")
    assert len(with_latin) > len(without) + sr // 10


def test_identity_names_model_and_speaker(engine, voices):
    ia = engine.identity(voices["zh-female-1"])
    ib = engine.identity(voices["zh-male-1"])
    assert ia["engine"] == "coqui" and ia["model"].endswith("model.pth")
    assert ia["speaker"] == "host_a" and ia != ib
    assert ia["version"]
    assert engine.max_chars("zh") < engine.max_chars("en")


def test_unknown_or_missing_speaker_is_a_voice_error(engine, voices):
    with pytest.raises(VoiceError, match=r"unknown speaker 'nobody'.*host_a"):
        engine.synthesize("你好。", voices["zh-nobody"], "zh")
    with pytest.raises(VoiceError, match="several speakers"):
        engine.synthesize("你好。", voices["zh-nospeaker"], "zh")
    with pytest.raises(VoiceError, match=r"engines\.coqui"):
        engine.synthesize("你好。", load_voices()["zh-female-1"].__class__(name="x", language="zh"), "zh")


def test_missing_model_offline_fails_fast_with_a_clear_message(voices, empty_caches):
    engine = get_engine("coqui", device="cpu")
    for name, model in (("en-missing", "ljspeech/vits"), ("en-xtts", "xtts_v2")):
        t0 = time.monotonic()
        with pytest.raises(ModelNotAvailableError, match=model) as info:
            engine.synthesize("Hello there.", voices[name], "en")
        assert "not on this machine" in str(info.value) and "doctor --download" in str(info.value)
        assert time.monotonic() - t0 < 20  # generous: it must not hang on the network
    assert model_status(voices["en-xtts"].engines["coqui"])[0] is False


def test_cached_xtts_without_licence_agreement_is_an_error_not_a_prompt(voices, empty_caches):
    # A Hugging Face cache holding an XTTS snapshot (files need not be real: the licence
    # check comes before loading).
    repo = empty_caches / "hf-home" / "hub" / "models--tts-hub--XTTS-v2"
    snap = repo / "snapshots" / ("0" * 40)
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    assert model_status(voices["en-xtts"].engines["coqui"])[0] is True
    engine = get_engine("coqui", device="cpu")
    with pytest.raises(EngineError, match="COQUI_TOS_AGREED=1") as info:
        engine.synthesize("Hello there.", voices["en-xtts"], "en")
    assert not isinstance(info.value, ModelNotAvailableError)
    assert os.environ.get("COQUI_TOS_AGREED") is None


def test_auto_picks_coqui_when_default_models_are_local(voices, empty_caches):
    e = get_engine("auto", voices=voices)
    assert e.name == "coqui"
    assert "local model" in e.note
    assert get_engine("auto", voices=load_voices()).name != "coqui"  # xtts not in the empty cache
    # Only the Chinese hosts point at local models: auto picks Coqui for a zh episode only.
    zh_only = empty_caches / "zh-only"
    zh_only.mkdir()
    for name in ("zh-female-1", "zh-male-1"):
        (zh_only / f"{name}.toml").write_text(Path(voices[name].path).read_text())
    partial = load_voices([zh_only])
    assert get_engine("auto", voices=partial, language="zh").name == "coqui"
    e = get_engine("auto", voices=partial, language="en")
    assert e.name != "coqui" and "xtts_v2" in e.note  # the embedded fallback says why
    assert get_engine("auto", voices=partial).name != "coqui"


def test_doctor_reports_coqui_importable():
    rows = {r[0]: r for r in doctor()}
    assert rows["coqui-tts"][1] is True
    assert "model xtts_v2" in rows


def test_download_models_reports_local_and_missing_models(voices, empty_caches):
    rows = download_models(["zh-female-1", "zh-male-1", "en-female-1"], voices=voices)
    assert [r[1] for r in rows] == [True, True]  # two local models, each listed once
    assert all(r[2] == "already on this machine" for r in rows)
    rows = download_models(["en-missing"], voices=voices)  # hub offline: fails, says how
    assert len(rows) == 1 and rows[0][1] is False and "ljspeech/vits" in rows[0][2]


def test_reference_wav_loader_needs_no_torchaudio_backend(tmp_path):
    import soundfile as sf

    from voicer.engines.coqui import _load_audio_soundfile

    sr = 44100
    t = np.arange(sr) / sr
    stereo = np.stack([0.5 * np.sin(2 * np.pi * 220 * t), 0.5 * np.sin(2 * np.pi * 220 * t)], axis=1)
    sf.write(tmp_path / "ref.wav", stereo, sr)
    audio = _load_audio_soundfile(str(tmp_path / "ref.wav"), 22050)
    assert tuple(audio.shape) == (1, 22050)
    assert abs(float(audio.abs().max()) - 0.5) < 0.02


def test_seed_changes_the_noise_but_stays_deterministic(engine, voices):
    text = "你好，欢迎收听。"
    a, _ = engine.synthesize(text, voices["zh-female-1"], "zh")
    try:
        engine.seed(7)
        b1, _ = engine.synthesize(text, voices["zh-female-1"], "zh")
        b2, _ = engine.synthesize(text, voices["zh-female-1"], "zh")
    finally:
        engine.seed(0)
    np.testing.assert_array_equal(b1, b2)
    assert len(a) != len(b1) or not np.array_equal(a, b1)


def test_latin_spans_go_to_a_multilingual_model_in_english(engine, voices):
    """Like XTTS: Chinese spans in zh-cn, Latin spans in en, one call each."""
    v = voices["zh-multi"]
    engine.synthesize("你好。", v, "zh")  # load it
    tts = next(m for (key, _), m in engine._models.items() if key == v.engines["coqui"]["model_path"])
    # Every piece the model speaks goes through its tokenizer with the piece's language.
    tokenizer = tts.synthesizer.tts_model.tokenizer
    calls: list[tuple[str, str]] = []
    real = tokenizer.text_to_ids

    def spy(text, language=None):
        calls.append((text, language))
        return real(text, language=language)

    tokenizer.text_to_ids = spy
    try:
        audio, sr = engine.synthesize("我们用 Nvidia 的 GPU 训练模型。然后呢？", v, "zh")
    finally:
        del tokenizer.text_to_ids
    assert len(audio) > sr // 2
    assert ("Nvidia", "en") in calls and ("GPU", "en") in calls
    for text, lang in calls:
        assert lang == ("en" if text.isascii() else "zh-cn"), calls
    assert any("然后呢" in text for text, _ in calls)


def test_missing_model_without_network_fails_before_any_download(voices, empty_caches, monkeypatch):
    from voicer.engines import coqui

    monkeypatch.delenv("HF_HUB_OFFLINE")  # downloads allowed, but the host is unreachable
    probed: list[str] = []
    monkeypatch.setattr(coqui, "_can_reach", lambda host, timeout=5.0: probed.append(host) or False)
    engine = get_engine("coqui", device="cpu")
    with pytest.raises(ModelNotAvailableError, match="github.com cannot be reached"):
        engine.synthesize("Hello there.", voices["en-missing"], "en")
    assert probed == ["github.com"]
