"""Voice presets, shared by the script and engine stages: TOML data files in
``voices/presets/`` plus user folders.

Search order (a later preset with the same name replaces an earlier one):
bundled presets, then the user's folder (`user_voices_dir()`), then each folder in
``$VOICER_VOICES_DIR`` (os.pathsep-separated), then `extra_dirs`.

A preset file (``name`` defaults to the file name; relative paths are relative to it)::

    name = "my-host"
    language = "zh"                  # "zh" or "en"
    gender = "female"
    description = "..."
    licence = "..."                  # what the user may do with the audio
    [engines.offline]                # eSpeak NG
    voice = "cmn+f3"                 # voice+variant; pitch/range 0-100, rate in words/min
    pitch = 60
    rate = 165
    [engines.coqui]
    model = "tts_models/multilingual/multi-dataset/xtts_v2"   # or model_path + config_path
    speaker = "Claribel Dervla"      # a speaker of the model, or reference_wav = "x.wav"
    language = "zh-cn"               # Coqui's code, for multilingual models
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import VoiceError
from .language import codes, speech_codes
from .language import language as _language
from .model import Voice
from .resources import voices_dir

ENV_VOICES_DIR = "VOICER_VOICES_DIR"


def user_voices_dir() -> Path:
    """The user's own presets (`voicer voices --clone` writes there); searched after the bundled ones."""
    import platformdirs

    return Path(platformdirs.user_data_dir("voicer")) / "voices"


def _preset_dirs(extra_dirs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    dirs = [voices_dir() / "presets"]
    if user_voices_dir().is_dir():
        dirs.append(user_voices_dir())
    env = os.environ.get(ENV_VOICES_DIR, "")
    user = [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    user += [Path(p).expanduser() for p in extra_dirs]
    for d in user:
        if not d.is_dir():
            raise VoiceError(f"Voice folder {d} does not exist; create it or fix the path.")
    return dirs + user


def _voice_from_file(path: Path) -> Voice:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise VoiceError(f"Voice preset {path} cannot be read ({e}); fix the TOML file.") from e
    name = data.get("name", path.stem)
    language = data.get("language")
    if not isinstance(name, str) or not name.strip():
        raise VoiceError(f'Voice preset {path} has an empty name; set `name = "..."`.')
    if language not in speech_codes():
        raise VoiceError(f'Voice preset {path} needs `language = "zh"` or `language = "en"`.')
    engines = data.get("engines", {})
    if not isinstance(engines, dict) or not all(isinstance(v, dict) for v in engines.values()):
        raise VoiceError(f"Voice preset {path}: engine settings go in tables like [engines.offline].")
    return Voice(
        name=name.strip(),
        language=language,
        gender=str(data.get("gender", "")),
        description=str(data.get("description", "")),
        licence=str(data.get("licence", data.get("license", ""))),
        engines={k: dict(v) for k, v in engines.items()},
        path=str(path),
    )


def load_voices(extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> dict[str, Voice]:
    """All voice presets by name, sorted by name."""
    voices: dict[str, Voice] = {}
    for d in _preset_dirs(extra_dirs):
        for path in sorted(d.glob("*.toml")):
            v = _voice_from_file(path)
            voices[v.name] = v
    return dict(sorted(voices.items()))


def get_voice(name: str, voices: dict[str, Voice]) -> Voice:
    """The preset called `name`, or a VoiceError that says how to list them."""
    try:
        return voices[name]
    except KeyError:
        raise VoiceError(
            f"Unknown voice '{name}'; run `voicer voices` to list them "
            f"(or add a folder of presets with --voices-dir)."
        ) from None


@lru_cache(maxsize=1)
def _cast_table() -> dict[str, Any]:
    return tomllib.loads((voices_dir() / "cast.toml").read_text(encoding="utf-8"))


def _cast(language: str, engine_name: str) -> dict[str, Any]:
    if language not in codes():
        raise VoiceError(f"Unsupported language {language!r}; use 'zh' or 'en'.")
    language = _language(language).speech
    table = _cast_table()
    cast = dict(table["default"][language])
    cast.update(table.get(engine_name, {}).get(language, {}))
    return cast


def default_cast(language: str, engine_name: str = "offline") -> tuple[str, str]:
    """The two host voices (A, B) for `language`: clearly distinct (female + male)."""
    a, b = _cast(language, engine_name)["hosts"]
    return a, b


def default_narrator(language: str, engine_name: str = "offline") -> str:
    """A third voice for narration (distinct from both hosts)."""
    return str(_cast(language, engine_name)["narrator"])
