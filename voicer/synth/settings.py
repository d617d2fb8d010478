"""`RenderSettings`: every knob of the synthesis stage (beside `MixSettings` and
`ExportSettings`; each knob belongs to exactly one of them)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import RenderError

PathLike = str | os.PathLike[str]

DEFAULT_CHUNK_GAP = 0.12
"""Seconds of silence between the chunks of one turn (chunks end at clause boundaries)."""


@dataclass(frozen=True)
class RenderSettings:
    """How the turns of a script are synthesized."""

    engine: str = "auto"
    """"auto" (decided from the voices actually cast), "offline", "coqui", ..."""
    device: str = "auto"
    """"auto", "cpu", "cuda", "cuda:N", "mps"."""
    voices_dir: tuple[PathLike, ...] = ()
    """Extra folders of voice presets (besides the bundled ones and $VOICER_VOICES_DIR)."""
    lexicon: tuple[PathLike, ...] = ()
    """Extra pronunciation lexicon files."""
    cache_dir: PathLike | None = None
    """Turn cache folder (default: $VOICER_CACHE_DIR or the user cache)."""
    workers: int | None = None
    """Turns synthesized at the same time (default: from the engine's traits)."""
    keep_going: bool = False
    """A failed turn is reported (and silent) instead of stopping the render."""
    chunk_gap: float = DEFAULT_CHUNK_GAP
    isolate: bool | None = None
    """Force (True) or forbid (False) a fresh process per turn (default: the engine's traits)."""
    agree_coqui_license: bool = False
    """Accept XTTS v2's CPML licence (like COQUI_TOS_AGREED=1, without changing the environment)."""
    gpu_workers: int | None = None
    """Model replicas on one GPU, one worker each (default: from free GPU memory; 1 on the CPU)."""
    precision: str | None = None
    """Coqui: "fp16" (GPU) or "bf16" autocast for XTTS's GPT (default: fp32, or a preset's `precision`)."""

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise RenderError(f"Use one worker or more (got {self.workers}).")
        if not 0.0 <= self.chunk_gap <= 5.0:
            raise RenderError(f"The gap between chunks must be 0 to 5 seconds (got {self.chunk_gap}).")
        # Paths given as one string or Path would be iterated letter by letter.
        for name in ("voices_dir", "lexicon"):
            value = getattr(self, name)
            if isinstance(value, str | os.PathLike):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))
