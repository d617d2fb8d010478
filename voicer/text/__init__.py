"""Speech text normalization: turn text -> what an engine speaks, in chunks it accepts.

Public functions (ARCHITECTURE.md): `normalize`, `language_spans`, `chunk`, `prepare`,
`load_lexicon`. Representation of the output:

- ``[...]`` markers, stage directions like （笑）/(laughs), markdown syntax, images, link
  targets and URLs are removed; line breaks become a pause (，/ ,).
- Mandarin: numbers read in Chinese by context (35万 -> 三十五万, 2018年 -> 二零一八年,
  3.5% -> 百分之三点五, 2个 -> 两个); Latin words stay Latin; acronyms are capital letters
  separated by spaces ("G P U"), so any engine spells them; digits inside a name are read
  after a space ("H100" -> "H 一百", "GPT-4" -> "G P T 四"); ASCII punctuation becomes
  full-width.
- English: numbers, years, money, dates, times, ordinals, units and abbreviations read as
  words; acronyms spelled the same way ("G P U"); words like CUDA kept as words.
- `language_spans` cuts any text into (span, "zh"|"en") runs for engines that need one
  language per call.
"""

from __future__ import annotations

from voicer.text.chunk import chunk, default_max_chars
from voicer.text.lexicon import Lexicon, load_lexicon
from voicer.text.normalize import normalize
from voicer.text.spans import language_spans

__all__ = [
    "Lexicon",
    "chunk",
    "default_max_chars",
    "language_spans",
    "load_lexicon",
    "normalize",
    "prepare",
]


def prepare(
    text: str, language: str, max_chars: int | None = None, lexicon: Lexicon | None = None
) -> list[str]:
    """Normalize then chunk: the speakable pieces of one turn ([] when nothing is spoken).
    `max_chars` defaults to the engine limit for the language (82 zh, 250 en)."""
    return chunk(normalize(text, language, lexicon), max_chars, language)
