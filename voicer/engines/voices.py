"""Voice presets live in `voicer.presets` (the script stage casts from them too);
the engines re-export them here."""

from __future__ import annotations

from ..presets import ENV_VOICES_DIR, default_cast, default_narrator, get_voice, load_voices

__all__ = ["ENV_VOICES_DIR", "default_cast", "default_narrator", "get_voice", "load_voices"]
