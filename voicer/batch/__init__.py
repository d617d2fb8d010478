"""batch: a whole catalogue in one command, on this machine or on a Ray cluster.

    from voicer.batch import BatchSettings, run_batch
    report = run_batch("talks/", "out/", BatchSettings(feed={...}))

Modules: `manifest` (folder or .csv/.toml manifest -> episodes), `state` (state file
with content hashes, folder lock), `runner` (the catalogue run), `raypool` (the
turn pool on Ray actors), `progress` (catalogue events, rich display), `cli`
(the `voicer batch` command). Importing this package loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicer.lazy import lazy_exports

if TYPE_CHECKING:
    from .manifest import Catalogue, EpisodeSpec, load_catalogue
    from .progress import BatchEvent
    from .runner import BatchReport, BatchSettings, EpisodeReport, run_batch
    from .state import BatchError

_WHERE = {
    "Catalogue": "manifest",
    "EpisodeSpec": "manifest",
    "load_catalogue": "manifest",
    "BatchEvent": "progress",
    "BatchReport": "runner",
    "BatchSettings": "runner",
    "EpisodeReport": "runner",
    "run_batch": "runner",
    "BatchError": "state",
}

__all__ = [
    "BatchError",
    "BatchEvent",
    "BatchReport",
    "BatchSettings",
    "Catalogue",
    "EpisodeReport",
    "EpisodeSpec",
    "load_catalogue",
    "run_batch",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
