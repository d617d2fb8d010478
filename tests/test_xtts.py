"""XTTS v2 through voicer's Coqui engine, on a random-weight XTTS built offline
(tests/coqui_fixtures.py: tiny GPT, real-size decoder, studio speakers) and loaded the
way a downloaded xtts_v2 is: a preset pointing at model.pth + config.json."""

from __future__ import annotations

import pickle

import coqui_fixtures
import numpy as np
import pytest

from voicer.engines import doctor, get_engine, load_voices
from voicer.engines import xtts as xtts_mod
from voicer.errors import EngineError, VoiceError

one_torch_thread = pytest.fixture(scope="module", autouse=True)(coqui_fixtures.one_torch_thread)


@pytest.fixture(scope="session")
def xtts_dir(tmp_path_factory):
    return coqui_fixtures.build_xtts(tmp_path_factory.getbasetemp() / "xtts-random")


@pytest.fixture(scope="module")
def ref_wav(tmp_path_factory):
    return coqui_fixtures.speech_like_wav(tmp_path_factory.mktemp("ref") / "me.wav", seconds=8.0)


@pytest.fixture(scope="module")
def voices(xtts_dir, ref_wav, tmp_path_factory):
    d = tmp_path_factory.mktemp("xtts-presets")
    presets = {
        "x-zh-a": dict(language="zh", speaker="host_a"),
        "x-zh-b": dict(language="zh", speaker="host_b"),
        "x-en-a": dict(language="en", speaker="host_a"),
        "x-nobody": dict(language="zh", speaker="Nobody Here"),
        "x-clone": dict(language="zh", reference_wav=ref_wav),
        "x-bf16": dict(language="en", speaker="host_a", extra='precision = "bf16"\n'),
        "x-fp16": dict(language="en", speaker="host_a", extra='precision = "fp16"\n'),
    }
    for name, kw in presets.items():
        (d / f"{name}.toml").write_text(coqui_fixtures.xtts_preset_toml(name, model_dir=xtts_dir, **kw))
    return load_voices([d])


@pytest.fixture(scope="module")
def engine():
    e = get_engine("coqui", device="cpu")
    yield e
    e.close()


@pytest.fixture
def voice_cache(tmp_path, monkeypatch):
    d = tmp_path / "voice-cache"
    monkeypatch.setenv(xtts_mod.VOICE_CACHE_ENV, str(d))
    return d


def xtts_model(engine):
    tts = next(iter(m for (key, _), m in engine._models.items() if key.endswith("model.pth")))
    return tts, tts.synthesizer.tts_model


def spy_inference(monkeypatch, model) -> list[dict]:
    calls: list[dict] = []
    real = model.inference

    def spy(text, language, *args, **kwargs):
        calls.append({"text": text, "language": language, **kwargs})
        return real(text, language, *args, **kwargs)

    monkeypatch.setattr(model, "inference", spy)
    return calls


def test_studio_speakers_speak_zh_and_en_and_differ(engine, voices):
    a, sr = engine.synthesize("大家好，欢迎收听。", voices["x-zh-a"], "zh")
    b, _ = engine.synthesize("大家好，欢迎收听。", voices["x-zh-b"], "zh")
    en, sr_en = engine.synthesize("Welcome back to the show.", voices["x-en-a"], "en")
    assert sr == sr_en == 24000  # XTTS's output rate
    for x in (a, b, en):
        assert x.dtype == np.float32 and x.ndim == 1 and len(x) > 0.05 * sr
        assert 0 < np.abs(x).max() <= 1.0
    n = min(len(a), len(b))
    assert np.linalg.norm(a[:n] - b[:n]) > 0.1 * np.linalg.norm(a[:n])  # the speaker changes the voice
    tts, _ = xtts_model(engine)
    assert type(tts.synthesizer.tts_model).__name__ == "Xtts"
    assert len(engine.loaded_models()) == 1  # one model for every voice of it


def test_model_folder_form_loads_like_the_file_form(xtts_dir, voices, engine, tmp_path):
    (tmp_path / "folder.toml").write_text(
        f'name = "folder"\nlanguage = "en"\n[engines.coqui]\nmodel_path = "{xtts_dir.as_posix()}"\n'
        'speaker = "host_a"\nlanguage = "en"\n'
    )
    folder = load_voices([tmp_path])["folder"]
    e = get_engine("coqui", device="cpu")
    ident = e.identity(folder)
    assert ident["model_stamp"] == engine.identity(voices["x-en-a"])["model_stamp"]  # model.pth inside
    a, _ = e.synthesize("Welcome back to the show.", folder, "en")
    b, _ = engine.synthesize("Welcome back to the show.", voices["x-en-a"], "en")
    np.testing.assert_array_equal(a, b)  # same files, same voice, same seed: same audio
    e.close()


def test_latin_spans_in_chinese_are_spoken_in_english(engine, voices, monkeypatch):
    engine.synthesize("你好。", voices["x-zh-a"], "zh")
    _, model = xtts_model(engine)
    calls = spy_inference(monkeypatch, model)
    audio, sr = engine.synthesize("我们用 Nvidia 的 GPU 训练模型", voices["x-zh-a"], "zh")
    assert [(c["text"], c["language"]) for c in calls] == [
        ("我们用", "zh-cn"),
        ("Nvidia", "en"),
        ("的", "zh-cn"),
        ("GPU", "en"),
        ("训练模型", "zh-cn"),
    ]
    assert len(audio) > 0.3 * sr


def test_voicers_chunk_is_one_generation_without_xtts_splitting(engine, voices, monkeypatch):
    engine.synthesize("Hi.", voices["x-en-a"], "en")
    tts, model = xtts_model(engine)
    calls = spy_inference(monkeypatch, model)
    monkeypatch.setattr(tts, "tts", lambda **kw: pytest.fail("the Synthesizer path splits and pads"))
    chunk = "Welcome back. Today we talk about open models! Why do they matter?"
    engine.synthesize(chunk, voices["x-en-a"], "en")
    assert len(calls) == 1 and calls[0]["text"] == chunk
    assert calls[0]["enable_text_splitting"] is False


def test_output_is_trimmed_where_coqui_pads(engine, voices):
    audio, sr = engine.synthesize("Welcome back to the show.", voices["x-en-a"], "en")
    tts, _ = xtts_model(engine)
    raw = np.asarray(tts.tts("Welcome back to the show.", speaker="host_a", language="en"), dtype=np.float32)
    quiet_tail = len(raw) - (int(np.nonzero(np.abs(raw) > 1e-4)[0][-1]) + 1)
    assert quiet_tail >= 9000  # Coqui's Synthesizer really pads each sentence
    loud = np.nonzero(np.abs(audio) > 1e-4)[0]
    assert len(audio) - (int(loud[-1]) + 1) < 0.05 * sr


def test_same_seed_same_audio_other_seed_other_audio_rng_left_alone(engine, voices):
    import torch

    text = "今天聊开源模型。"
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    a1, _ = engine.synthesize(text, voices["x-zh-a"], "zh")
    assert torch.equal(torch.get_rng_state(), state)  # the caller's RNG is not reseeded
    a2, _ = engine.synthesize(text, voices["x-zh-a"], "zh")
    np.testing.assert_array_equal(a1, a2)
    clone = pickle.loads(pickle.dumps(engine))  # what a worker process gets: no model yet
    assert clone.loaded_models() == []
    try:
        engine.seed(7)
        b, _ = engine.synthesize(text, voices["x-zh-a"], "zh")
        assert engine.identity(voices["x-zh-a"])["seed"] == 7
    finally:
        engine.seed(0)
    assert len(a1) != len(b) or not np.array_equal(a1, b)
    np.testing.assert_array_equal(clone.synthesize(text, voices["x-zh-a"], "zh")[0], a1)
    clone.close()


def test_unknown_studio_speaker_fails_before_the_model_loads(voices):
    fresh = get_engine("coqui", device="cpu")
    with pytest.raises(VoiceError, match=r"no studio speaker 'Nobody Here'.*host_a"):
        fresh.identity(voices["x-nobody"])  # render asks every voice's identity first
    with pytest.raises(VoiceError, match="no studio speaker"):
        fresh.synthesize("你好。", voices["x-nobody"], "zh")
    assert fresh.loaded_models() == []


@pytest.mark.parametrize(
    ("version", "ok"),
    [("5.23.0", True), ("5.19.0", True), ("5.24.0", False), ("6.0.1", False), ("4.56.2", False)],
)
def test_transformers_outside_the_working_range_is_reported(monkeypatch, version, ok):
    monkeypatch.setattr(xtts_mod, "installed_version", lambda dist: version)
    problem = xtts_mod.transformers_problem()
    assert (problem is None) is ok
    if not ok:
        assert version in problem and "pip install 'transformers>=4.57,<5.24'" in problem
        assert problem.count(". ") == 0 and problem.endswith(".")  # one sentence
    row = {r[0]: r for r in doctor(check_import=False)}["transformers (XTTS)"]
    assert row[1] is ok and (ok or row[2] == problem)


def test_engine_refuses_xtts_on_a_broken_transformers_before_loading(monkeypatch, voices):
    monkeypatch.setattr(xtts_mod, "installed_version", lambda dist: "5.24.0")
    fresh = get_engine("coqui", device="cpu")
    with pytest.raises(EngineError, match=r"transformers 5\.24\.0 breaks XTTS"):
        fresh.synthesize("Hello.", voices["x-en-a"], "en")
    assert fresh.loaded_models() == []


# ------------------------------------------------------------------ cloning


def test_clone_latents_are_computed_once_per_voice_and_kept_on_disk(voices, voice_cache, monkeypatch):
    from TTS.tts.models.xtts import Xtts

    computed: list[str] = []
    real = Xtts.get_conditioning_latents

    def counting(self, audio_path, **kwargs):
        computed.append(str(audio_path))
        return real(self, audio_path, **kwargs)

    monkeypatch.setattr(Xtts, "get_conditioning_latents", counting)
    first = get_engine("coqui", device="cpu")
    turns = [f"第{n}段，我们继续聊。" for n in "一二三四五六七八"]
    out = [first.synthesize(t, voices["x-clone"], "zh")[0] for t in turns]
    assert len(computed) == 1  # eight turns, one conditioning pass
    assert all(len(x) > 0 for x in out)
    # What every turn of a 1,000-turn episode asks for (without its synthesis): still one pass.
    tts, _ = xtts_model(first)
    settings = first._settings(voices["x-clone"])
    conds = [first._xtts_conditioning(tts, settings, voices["x-clone"]) for _ in range(1000)]
    assert len(computed) == 1 and all(c is conds[0] for c in conds)
    assert len(list(voice_cache.glob("*.pt"))) == 1
    # Another process (a worker, the next render) reads them from disk.
    second = pickle.loads(pickle.dumps(first))
    again, _ = second.synthesize(turns[0], voices["x-clone"], "zh")
    assert len(computed) == 1
    np.testing.assert_array_equal(again, out[0])
    # The clone is a voice of its own, not a studio speaker's.
    studio, _ = first.synthesize(turns[0], voices["x-zh-a"], "zh")
    n = min(len(studio), len(out[0]))
    assert not np.array_equal(studio[:n], out[0][:n])
    first.close()
    second.close()


def test_clone_identity_follows_the_recordings_content(voices, ref_wav, tmp_path, voice_cache):
    e = get_engine("coqui", device="cpu")
    ident = e.identity(voices["x-clone"])
    assert len(ident["reference_sha256"]) == 64 and "speaker" in ident
    import hashlib

    assert ident["reference_sha256"] == hashlib.sha256(ref_wav.read_bytes()).hexdigest()
    key = xtts_mod.latents_key(xtts_mod.check_reference_wav(ref_wav), {"model": "m"}, {})
    other = coqui_fixtures.speech_like_wav(tmp_path / "other.wav", seed=5)
    assert key != xtts_mod.latents_key(xtts_mod.check_reference_wav(other), {"model": "m"}, {})
    assert key != xtts_mod.latents_key(xtts_mod.check_reference_wav(ref_wav), {"model": "m2"}, {})


def _write(path, seconds, rate=22050, amplitude=0.3):
    import soundfile as sf

    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (amplitude * np.sin(2 * np.pi * 180 * t)).astype(np.float32), rate)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _write(p, 3.0), r"is 3\.0 s long; use 6 to 30 s"),
        (lambda p: _write(p, 31.0), r"is 31\.0 s long; use 6 to 30 s"),
        (lambda p: _write(p, 8.0, amplitude=0.0), "is silent"),
        (lambda p: _write(p, 8.0, rate=8000), "sample rate of 8000 Hz"),
        (lambda p: p.write_bytes(b"RIFF not really a wav file") and p, "cannot be read as audio"),
        (lambda p: p, "does not exist"),
    ],
    ids=["short", "long", "silent", "8kHz", "unreadable", "missing"],
)
def test_bad_reference_wav_is_one_sentence_before_any_model_loads(tmp_path, xtts_dir, make, message):
    ref = make(tmp_path / "ref.wav")
    d = tmp_path / "presets"
    d.mkdir()
    (d / "mine.toml").write_text(
        coqui_fixtures.xtts_preset_toml("mine", "en", xtts_dir, reference_wav=tmp_path / "ref.wav")
    )
    e = get_engine("coqui", device="cpu")
    with pytest.raises(VoiceError, match=message) as info:
        e.identity(load_voices([d])["mine"])
    assert str(info.value).startswith("Voice 'mine': reference_wav") and "\n" not in str(info.value)
    assert e.loaded_models() == [] and ref is not None


# ------------------------------------------------------------------ precision, devices, replicas


def test_bf16_autocast_runs_on_cpu_and_is_part_of_the_identity(engine, voices):
    audio, sr = engine.synthesize("Welcome back to the show.", voices["x-bf16"], "en")
    assert audio.dtype == np.float32 and len(audio) > 0.05 * sr
    assert engine.identity(voices["x-bf16"])["precision"] == "bf16"
    assert "precision" not in engine.identity(voices["x-en-a"])  # fp32 keys stay as they were
    assert "precision" not in engine.identity(voices["x-fp16"])  # a preset's fp16 waits for a GPU
    with pytest.raises(EngineError, match="fp16 needs a GPU"):
        get_engine("coqui", device="cpu").__class__(device="cpu", precision="fp16")
    with pytest.raises(EngineError, match="Unknown precision"):
        xtts_mod.resolve_precision("int8", "cpu")
    assert xtts_mod.resolve_precision("fp16", "cuda") == "fp16"


def test_cpu_engine_runs_one_replica_not_on_a_gpu():
    e = get_engine("coqui", device="cpu")
    assert e.traits.uses_gpu is False and e.traits.preferred_workers == 1 and e.replicas == 1
    assert e.traits.keeps_model_loaded is True
    assert xtts_mod.gpu_replicas("cpu", 4) == 1
    with pytest.raises(EngineError, match="one GPU worker or more"):
        xtts_mod.gpu_replicas("cpu", 0)


def test_gpu_replicas_follow_free_memory(monkeypatch):
    import torch

    gib = 1024**3
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda index=None: (20 * gib, 141 * gib))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(xtts_mod.os, "cpu_count", lambda: 16)
    assert xtts_mod.gpu_replicas("cuda") == 4  # 80 % of 20 GiB in 4 GiB replicas
    assert xtts_mod.gpu_replicas("cuda:0", 2) == 2
    with pytest.raises(EngineError, match=r"--gpu-workers 4 or fewer"):
        xtts_mod.gpu_replicas("cuda", 6)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda index=None: (139 * gib, 141 * gib))
    assert xtts_mod.gpu_replicas("cuda") == xtts_mod.MAX_AUTO_REPLICAS
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda index=None: (1 * gib, 141 * gib))
    assert xtts_mod.gpu_replicas("cuda") == 1  # always at least one


def test_cuda_without_cuda_is_refused_before_anything_loads():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(EngineError, match=r"no CUDA GPU; use --device cpu or auto\.$"):
        get_engine("coqui", device="cuda")
