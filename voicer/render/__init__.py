"""Render: Script -> one TurnAudio per turn (cached, resumable, parallel).

Public API: `synthesize_script`, `plan` (for ``--dry-run``), `make_rich_progress`,
and the result types. Engines, rich and the text stage load on first use.
"""

from __future__ import annotations

from .cache import CACHE_FORMAT_VERSION, TurnCache, cache_key, default_cache_dir
from .dryrun import PlanRow, RenderPlan, plan
from .progress import ProgressCallback, ProgressEvent, make_rich_progress
from .runner import RenderOutcome, TurnFailure, synthesize_script

__all__ = [
    "CACHE_FORMAT_VERSION",
    "PlanRow",
    "ProgressCallback",
    "ProgressEvent",
    "RenderOutcome",
    "RenderPlan",
    "TurnCache",
    "TurnFailure",
    "cache_key",
    "default_cache_dir",
    "make_rich_progress",
    "plan",
    "synthesize_script",
]
