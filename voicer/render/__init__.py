"""Render: Script -> one TurnAudio per turn (cached, resumable, parallel).

Public API: `synthesize_script`, `plan` (for ``--dry-run``), `make_rich_progress`,
and the result types. Importing this package is light (numpy and the engines load
when a name is first used).

Note on the name: `voicer.render` is also the public function
``voicer.render(script, out)`` (voicer/api.py). When this package is imported,
Python binds it to ``voicer.render`` and the function is hidden, so the package
is made callable and forwards the call to that function.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cache import CACHE_FORMAT_VERSION, TurnCache, cache_key, default_cache_dir
    from .dryrun import PlanRow, RenderPlan, plan
    from .progress import ProgressCallback, ProgressEvent, make_rich_progress
    from .runner import RenderOutcome, TurnFailure, synthesize_script

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
    "make_rich_progress": "progress",
    "RenderOutcome": "runner",
    "TurnFailure": "runner",
    "synthesize_script": "runner",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


class _RenderPackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """`voicer.render(script, out, ...)`: see `voicer.api.render`."""
        from ..api import render

        return render(*args, **kwargs)


sys.modules[__name__].__class__ = _RenderPackage
