"""The LLM writer: two-host dialogue written by a language model on any
OpenAI-compatible server (llama.cpp, ollama, vLLM, LM Studio, hosted APIs).

- `grounded` (default): the model only places the source sentences (verbatim, in
  order) and adds short `[+]` lines and a recap (`plan`).
- `free`: the model rewrites each chapter; kept facts are checked (`free`, `facts`).
- chapters that fail fall back free -> grounded -> rules, the reason noted in the script.

Answers are cached (`cache`), prompts are data (`data/<lang>.toml`, `prompts`), and the
HTTP side is `client`. `voicer.script.make_script(..., writer="llm", llm=LLMSettings(...))`
is the entry point.
"""

from __future__ import annotations

from .plan import Cast, Unit
from .settings import MODES, LLMSettings
from .writer import ChapterStat, llm_chapters

__all__ = ["MODES", "Cast", "ChapterStat", "LLMSettings", "Unit", "llm_chapters"]
