"""One exception hierarchy for everything a user can get wrong.

The CLI catches `VoicerError` at its edge and prints `str(error)` as one
sentence with exit code 2, so every message must say what to do.
"""

from __future__ import annotations


class VoicerError(Exception):
    """Base class: a problem the user can fix (bad input, missing model...)."""


class InputError(VoicerError):
    """A transcript or script file cannot be read or has nothing to speak."""


class ScriptSyntaxError(InputError):
    """An edited script file does not follow the script format."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}, line {line}: {message}")


class VoiceError(VoicerError):
    """An unknown voice preset or a preset that does not fit the engine."""


class EngineError(VoicerError):
    """An engine cannot be loaded or failed to synthesize."""


class ModelNotAvailableError(EngineError):
    """A model is not on this machine and cannot be downloaded now."""


class RenderError(VoicerError):
    """Synthesis failed for one or more turns."""


class ExportError(VoicerError):
    """The episode or a sidecar file cannot be written."""


class PreviewError(VoicerError):
    """A preview page, episode picture or cover cannot be made from the files given."""


class LLMError(VoicerError):
    """The LLM writer's server cannot be used: unreachable, unknown model, refused key, rate limit."""


class VoicerWarning(UserWarning):
    """Something voicer skipped or repaired in an input (e.g. a subtitle cue with a broken
    time); the CLI prints it as one line, the API lets `warnings` handle it."""


def print_voicer_warnings() -> None:
    """Show each `VoicerWarning` as one line "voicer: warning: ..." on stderr (for the CLI);
    other warnings keep Python's format."""
    import sys
    import warnings

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001, ANN202
        if issubclass(category, VoicerWarning):
            print(f"voicer: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
