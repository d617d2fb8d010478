"""The `EPISODE.voicer.json` sidecar: how the episode was made, for the preview page and picture.

Everything the other sidecars do not hold: engine, hosts and their voices, the loudness
measured after encoding and its target, the exact turn times per speaker, the cover file.
Times are seconds; a loudness of -inf (silence) is written as null.
"""

from __future__ import annotations

import json
import math
from typing import Any

from voicer.export.id3 import Tags, playable_chapters
from voicer.model import Script, Timeline

VERSION = 1


def _number(value: float | None) -> float | None:
    return round(value, 3) if value is not None and math.isfinite(value) else None


def report_json(
    script: Script,
    timeline: Timeline,
    tags: Tags,
    *,
    facts: dict[str, Any],
    loudness: dict[str, float],
    about: dict[str, Any] | None = None,
) -> str:
    """The sidecar's text. `facts`: file, format, sample_rate, channels, duration, bitrate_kbps,
    cover (file name or None), target_lufs, ceiling_dbtp; `about`: the caller's facts (engine...)."""
    targets = {k: facts.get(k) for k in ("target_lufs", "ceiling_dbtp")}
    audio = {k: v for k, v in facts.items() if k not in targets and k != "cover"}
    doc: dict[str, Any] = {
        "voicer": VERSION,
        "title": tags.title,
        "show": script.meta.get("show") or tags.album,
        "artist": tags.artist,
        "episode": tags.episode,
        "date": tags.date,
        "language": script.language,
        **{k: _number(v) if isinstance(v, float) else v for k, v in audio.items()},
        **(about or {}),
        "hosts": [{"id": h.id, "name": h.name, "voice": h.voice} for h in script.hosts],
        "loudness": {
            **{k: _number(v) for k, v in loudness.items()},
            **{k: _number(v) for k, v in targets.items()},
        },
        "cover": facts.get("cover"),
        "chapters": [
            {"title": c.title, "start": _number(c.start), "end": _number(c.end)}
            for c in playable_chapters(timeline.chapters)
        ],
        "turns": [
            {"speaker": t.speaker, "name": t.name, "start": _number(t.start), "end": _number(t.end)}
            for t in timeline.turns
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
