"""Helpers of the command line that are not about printing (that is voicer/cli_display.py):
parsing option values, and ending on SIGTERM the way Ctrl-C does."""

from __future__ import annotations

import signal
from types import FrameType

from voicer.cli_display import print_plan, print_result  # noqa: F401  (kept importable from here)
from voicer.errors import VoicerError


def parse_voices(voices: str | None) -> tuple[str, str] | None:
    """"a,b" -> ("a", "b"); the names are checked against the presets where they are used."""
    if not voices:
        return None
    names = [v.strip() for v in voices.split(",") if v.strip()]
    if len(names) != 2:
        from voicer.presets import get_voice, load_voices

        presets = load_voices()
        for name in names:
            get_voice(name, presets)  # an unknown name is the more useful message
        raise VoicerError("--voices takes two preset names separated by a comma, e.g. zh-female-1,zh-male-1.")
    return names[0], names[1]


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def end_on_sigterm_like_ctrl_c() -> None:
    """SIGTERM (a `kill`, a service manager, a CI timeout) ends voicer as Ctrl-C does:
    workers stopped, temp files removed, one line printed, exit status 130."""
    try:
        signal.signal(signal.SIGTERM, _terminated)
    except ValueError:
        pass  # not the main thread (voicer.cli.main called from a thread): leave it be
