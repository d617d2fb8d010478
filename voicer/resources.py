"""Where bundled data files and caches live.

The top-level ``voices/`` folder (presets, pronunciation lexicons) is shipped in
the wheel as ``voicer/_voices``; in a source checkout it is read in place.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


def voices_dir() -> Path:
    """The bundled ``voices/`` folder (``presets/``, ``lexicon/``, reference wavs)."""
    for base in (_HERE / "_voices", _HERE.parent / "voices"):
        if base.is_dir():
            return base
    raise FileNotFoundError("voicer's bundled voices/ folder is missing; reinstall voicer")


def cache_folder(name: str) -> Path:
    """A cache's folder: ``$VOICER_CACHE_DIR/name`` when set, else the user cache dir's
    ``voicer/name`` (the LLM writer's answers, the punctuation model's probabilities)."""
    import os

    env = os.environ.get("VOICER_CACHE_DIR")
    if env:
        return Path(env).expanduser() / name
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicer")) / name


@functools.lru_cache(maxsize=1)
def jieba() -> Any:  # jieba ships no type hints
    """The jieba module, loaded on first use, with its "Building prefix dict" chatter off.

    Every stage that cuts Chinese words (script, text, the Kokoro G2P through misaki)
    loads it through here, so no process prints that chatter to the user."""
    import logging

    import jieba as _jieba

    _jieba.setLogLevel(logging.WARNING)
    return _jieba
