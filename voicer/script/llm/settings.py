"""Settings of the LLM writer: which server and model, which mode, how much context.

Kept free of heavy imports: the CLI builds an `LLMSettings` before anything runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MODES = ("grounded", "free")
DEFAULT_URL = "http://127.0.0.1:8080/v1"
KEY_ENVS = ("VOICER_LLM_API_KEY", "OPENAI_API_KEY")


@dataclass(frozen=True)
class LLMSettings:
    """How the LLM writer reaches its model. Every field has a default a local
    llama.cpp / ollama user can live with; the API key comes from the environment
    (``VOICER_LLM_API_KEY``, else ``OPENAI_API_KEY``) unless given here."""

    url: str | None = None
    """OpenAI-compatible base URL (…/v1); default ``$VOICER_LLM_URL``, ``$OPENAI_BASE_URL``, then
    llama.cpp's ``http://127.0.0.1:8080/v1``."""
    model: str | None = None
    """Model name; default ``$VOICER_LLM_MODEL``, else the first model the server lists."""
    mode: str = "grounded"
    """"grounded": the model places the source sentences and adds short lines; "free": it
    rewrites each chapter, checked for kept facts (falls back to grounded, then rules)."""
    context: int = 8192
    """The model's context window in tokens; chapters are cut into parts that fit."""
    prompts: str | os.PathLike[str] | None = None
    """Folder with ``zh.toml`` / ``en.toml`` overriding the bundled prompts."""
    max_tokens: int | None = None
    """Cap on the tokens one answer may take (default: what the context leaves)."""
    temperature: float = 0.2
    timeout: float = 600.0
    """Seconds to wait for one answer (local CPU models are slow)."""
    retries: int = 3
    """Retries with exponential backoff on connection errors, rate limits and 5xx answers."""
    backoff: float = 1.0
    """First backoff delay in seconds (doubles each retry; a Retry-After header wins)."""
    cache: bool = True
    cache_dir: str | os.PathLike[str] | None = None
    """Response cache; default ``$VOICER_LLM_CACHE_DIR``, ``$VOICER_CACHE_DIR/llm``, else the
    user cache dir's ``voicer/llm``."""
    chapters: int | None = None
    """Only the first this many chapters go to the model (a trial run); the rest keep the rules writer's."""
    api_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from voicer.errors import LLMError

        if self.mode not in MODES:
            raise LLMError(f"--llm-mode must be grounded or free, not {self.mode!r}.")
        if self.context < 256:
            raise LLMError(f"--llm-context {self.context} is too small; give the model's context in tokens.")
        if not self.timeout > 0:
            raise LLMError(f"--llm-timeout must be a number of seconds above 0, not {self.timeout:g}.")
        if self.max_tokens is not None and self.max_tokens < 64:
            raise LLMError(
                f"--llm-max-tokens {self.max_tokens} is too small for one chapter; give 64 or more."
            )

    def base_url(self) -> str:
        url = self.url or os.environ.get("VOICER_LLM_URL") or os.environ.get("OPENAI_BASE_URL") or DEFAULT_URL
        url = url.strip().rstrip("/")
        for suffix in ("/chat/completions", "/completions"):
            if url.endswith(suffix):  # a user pasted the endpoint, not the base URL
                url = url[: -len(suffix)]
        if url.count("/") == 2:  # bare http://host:port: OpenAI-compatible servers live under /v1
            url += "/v1"
        return url

    def key(self) -> str | None:
        if self.api_key:
            return self.api_key
        return next((os.environ[k] for k in KEY_ENVS if os.environ.get(k)), None)

    def model_name(self) -> str | None:
        return self.model or os.environ.get("VOICER_LLM_MODEL") or None

    def cache_path(self) -> Path:
        if self.cache_dir is not None:
            return Path(self.cache_dir).expanduser()
        if os.environ.get("VOICER_LLM_CACHE_DIR"):
            return Path(os.environ["VOICER_LLM_CACHE_DIR"]).expanduser()
        from voicer.resources import cache_folder

        return cache_folder("llm")
