"""The en-vctk presets' model as published: Coqui's VCTK VITS asks for the `espeak`
phonemizer, which runs an espeak program from PATH. Without one, voicer gives Coqui the
eSpeak NG library it already ships (espeakng-loader). The fixture is built with the
published config's text settings (tests/coqui_fixtures.py: VCTK_TEXT)."""

from __future__ import annotations

import shutil

import coqui_fixtures
import numpy as np
import pytest

from voicer.engines import coqui_espeak, doctor, get_engine, load_voices
from voicer.errors import EngineError


@pytest.fixture
def no_espeak_program(monkeypatch):
    """A machine without espeak/espeak-ng on PATH; Coqui's wrapper is restored afterwards."""
    from TTS.tts.utils.text import phonemizers
    from TTS.tts.utils.text.phonemizers import espeak_wrapper

    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if "espeak" in name else real_which(name))
    for name in ("_DEF_ESPEAK_LIB", "_DEF_ESPEAK_VER", "get_espeakng_version", "_is_tool", "_espeak_exe"):
        monkeypatch.setattr(espeak_wrapper, name, getattr(espeak_wrapper, name))
    monkeypatch.setattr(espeak_wrapper, "_voicer_library", False, raising=False)
    monkeypatch.setattr(phonemizers, "DEF_LANG_TO_PHONEMIZER", dict(phonemizers.DEF_LANG_TO_PHONEMIZER))
    return espeak_wrapper


@pytest.fixture(scope="module")
def vctk_voices(tmp_path_factory):
    root = tmp_path_factory.mktemp("vctk")
    model, config = coqui_fixtures.build_vits(root / "model", "en-vctk", speakers=("p225", "p226"))
    presets = root / "presets"
    presets.mkdir()
    for name, speaker in (("vctk-female", "p225"), ("vctk-male", "p226")):
        (presets / f"{name}.toml").write_text(coqui_fixtures.preset_toml(name, "en", model, config, speaker))
    return load_voices([presets])


def test_fixture_has_the_published_phonemizer_settings(vctk_voices):
    import json
    from pathlib import Path

    config = json.loads(Path(vctk_voices["vctk-female"].engines["coqui"]["config_path"]).read_text())
    assert {k: config[k] for k in coqui_fixtures.VCTK_TEXT} == coqui_fixtures.VCTK_TEXT
    assert config["use_phonemes"] is True


def test_vctk_model_speaks_without_an_espeak_program(no_espeak_program, vctk_voices):
    assert coqui_espeak.system_espeak() is None
    engine = get_engine("coqui", device="cpu")
    try:
        a, sr = engine.synthesize("Hello world, how are you today?", vctk_voices["vctk-female"], "en")
        b, _ = engine.synthesize("Hello world, how are you today?", vctk_voices["vctk-male"], "en")
    finally:
        engine.close()
    assert sr == 22050 and a.dtype == np.float32 and len(a) > sr // 4 and np.abs(a).max() > 1e-3
    n = min(len(a), len(b))
    assert not np.array_equal(a[:n], b[:n])
    assert no_espeak_program._voicer_library is True

    from TTS.tts.utils.text.phonemizers import ESpeak

    # The same phonemes the espeak-ng 1.52 program prints for Coqui's "en" (en-us) voice.
    assert ESpeak("en").phonemize("Hello world, how are you today?", separator="") == (
        "həlˈoʊ wˈɜːld, hˌaʊ ɑːɹ juː tədˈeɪ?"
    )
    assert "en-us" in ESpeak.supported_languages()


def test_without_program_or_library_the_error_says_what_to_install(no_espeak_program, monkeypatch):
    from voicer.engines import offline

    def broken() -> str:
        raise OSError("libespeak-ng.so: cannot open shared object file")

    monkeypatch.setattr(offline, "espeak_version", broken)
    ok, why = coqui_espeak.backend_status()
    assert not ok and "apt install espeak-ng" in why
    with pytest.raises(EngineError, match=r"apt install espeak-ng") as info:
        coqui_espeak.install_library_backend()
    assert "\n" not in str(info.value)  # `voicer doctor` shows the same `backend_status()` line


def test_doctor_says_which_espeak_serves_the_vctk_model():
    row = {r[0]: r for r in doctor(check_import=False)}["espeak phonemizer (en-vctk)"]
    assert row[1] is True
    assert ("program" in row[2]) if coqui_espeak.system_espeak() else ("espeakng-loader" in row[2])
