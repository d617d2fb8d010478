"""Synthesis stage: Script -> one TurnAudio per turn (cached, resumable, parallel).

Public API: `synthesize_script`, `render_scripts` (several scripts sharing one
engine and pool), `plan` (for ``--dry-run``), `RenderSettings`, and the result and
progress types. Importing this package is light (numpy and the engines load when a
name is first used). The public ``voicer.render(script, out)`` (voicer/api.py)
runs this stage, then mix and export.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicer.lazy import lazy_exports

if TYPE_CHECKING:
    from .cache import CACHE_FORMAT_VERSION, TurnCache, cache_key, default_cache_dir
    from .dryrun import PlanRow, RenderPlan, plan
    from .outcome import RenderOutcome, TurnFailure
    from .progress import ProgressCallback, ProgressEvent
    from .runner import render_scripts, synthesize_script
    from .settings import DEFAULT_CHUNK_GAP, RenderSettings

_WHERE = {
    "CACHE_FORMAT_VERSION": "cache",
    "TurnCache": "cache",
    "cache_key": "cache",
    "default_cache_dir": "cache",
    "PlanRow": "dryrun",
    "RenderPlan": "dryrun",
    "plan": "dryrun",
    "ProgressCallback": "progress",
    "ProgressEvent": "progress",
    "RenderOutcome": "outcome",
    "TurnFailure": "outcome",
    "render_scripts": "runner",
    "synthesize_script": "runner",
    "DEFAULT_CHUNK_GAP": "settings",
    "RenderSettings": "settings",
}

__all__ = [
    "CACHE_FORMAT_VERSION",
    "DEFAULT_CHUNK_GAP",
    "PlanRow",
    "ProgressCallback",
    "ProgressEvent",
    "RenderOutcome",
    "RenderPlan",
    "RenderSettings",
    "TurnCache",
    "TurnFailure",
    "cache_key",
    "default_cache_dir",
    "plan",
    "render_scripts",
    "synthesize_script",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
