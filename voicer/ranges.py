"""Range checks for numeric settings, shared by the settings dataclasses' ``__post_init__``,
so the CLI and the Python API refuse the same values with the same sentence."""

from __future__ import annotations

import math

from voicer.errors import VoicerError

MAX_EPISODE_HOURS = 48.0
"""No episode is longer (`MixSettings.max_hours` is at most this; the default is 6 hours):
a transcript holding more speech is refused as it is read."""


def check_range(
    what: str,
    value: float | int,
    low: float,
    high: float,
    *,
    unit: str = "",
    error: type[VoicerError] = VoicerError,
    integer: bool = False,
) -> None:
    """Raise `error` naming `what` and the allowed range unless low <= value <= high.

    NaN and infinities are refused; `integer` also refuses fractions (and bools).
    """
    suffix = f" {unit}" if unit else ""
    bad_type = isinstance(value, bool) or not isinstance(value, int | float)
    if integer and not bad_type and isinstance(value, float):
        bad_type = not value.is_integer()
    if bad_type or not math.isfinite(value) or not low <= value <= high:
        shown = value if bad_type or not isinstance(value, float) else f"{value:g}"
        raise error(f"{what} must be between {low:g} and {high:g}{suffix} (got {shown}).")
