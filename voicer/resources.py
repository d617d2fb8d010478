"""Where bundled data files live.

The top-level ``voices/`` folder (presets, pronunciation lexicons) is shipped in
the wheel as ``voicer/_voices``; in a source checkout it is read in place.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def voices_dir() -> Path:
    """The bundled ``voices/`` folder (``presets/``, ``lexicon/``, reference wavs)."""
    for base in (_HERE / "_voices", _HERE.parent / "voices"):
        if base.is_dir():
            return base
    raise FileNotFoundError("voicer's bundled voices/ folder is missing; reinstall voicer")
