"""What runs: one `TurnJob` per turn that has something to speak."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..engines import TurnJob, error_text
from ..errors import InputError
from ..model import Script, Voice
from ..presets import get_voice
from .outcome import TurnFailure
from .settings import DEFAULT_CHUNK_GAP

if TYPE_CHECKING:
    from ..engines import Engine


def prepare_fn() -> Callable[..., list[str]]:
    from ..text import prepare  # jieba and friends load on first use

    return prepare


def voice_for(script: Script, speaker: str, voices: dict[str, Voice], where: str) -> Voice:
    """The preset that speaks `speaker`'s turns (InputError / VoiceError saying what to fix)."""
    try:
        host = script.host(speaker)
    except KeyError:
        raise InputError(
            f"{where} is spoken by '{speaker}', who is not one of the script's hosts; "
            f"fix the speaker label or add the host to the script's front matter."
        ) from None
    return get_voice(host.voice, voices)


def plan_jobs(
    script: Script,
    engine: Engine,
    voices: dict[str, Voice],
    *,
    lexicon: Any = None,
    gap: float = DEFAULT_CHUNK_GAP,
    episode: int = 0,
) -> tuple[list[TurnJob | None], list[TurnFailure]]:
    """One job per turn (None for a turn with nothing to speak) and the turns whose
    text could not be prepared."""
    from .cache import cache_key

    prepare = prepare_fn()
    max_chars = engine.max_chars(script.language)
    identities: dict[str, dict[str, Any]] = {}
    jobs: list[TurnJob | None] = []
    failures: list[TurnFailure] = []
    for index, (ci, ti, turn) in enumerate(script.turns()):
        voice = voice_for(script, turn.speaker, voices, f"Turn {ti + 1} of chapter {ci + 1}")
        if voice.name not in identities:
            identities[voice.name] = engine.identity(voice)  # VoiceError: a preset problem, for all turns
        try:
            chunks = tuple(c for c in prepare(turn.text, script.language, max_chars, lexicon) if c.strip())
        except Exception as e:
            failures.append(TurnFailure(ci, ti, script.chapters[ci].title, turn.text, error_text(e)))
            jobs.append(None)
            continue
        if not chunks:
            jobs.append(None)
            continue
        key = cache_key(identities[voice.name], script.language, chunks, gap)
        jobs.append(TurnJob(key, chunks, voice, script.language, gap, episode, index))
    return jobs, failures
