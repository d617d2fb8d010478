"""The CLI options of the LLM writer (`--writer llm` on `voicer script` and `voicer render`).

Kept apart from cli.py so the commands only name them; nothing heavy is imported here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

WriterOpt = Annotated[
    str,
    typer.Option(
        "--writer",
        help="Who writes the dialogue: rules (offline, default) or llm (a model on an "
        "OpenAI-compatible server).",
    ),
]
LlmUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--llm-url",
        help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1 (default $VOICER_LLM_URL). "
        "Key from $VOICER_LLM_API_KEY or $OPENAI_API_KEY.",
    ),
]
LlmModelOpt = Annotated[
    str | None,
    typer.Option("--llm-model", help="Model name (default $VOICER_LLM_MODEL, else the server's first)."),
]
LlmModeOpt = Annotated[
    str,
    typer.Option(
        "--llm-mode",
        help="grounded: source sentences kept verbatim, the model adds short lines; "
        "free: the model rewrites, checked for kept facts.",
    ),
]
LlmContextOpt = Annotated[
    int, typer.Option("--llm-context", help="The model's context window in tokens (chapters are cut to fit).")
]
LlmPromptsOpt = Annotated[
    Path | None,
    typer.Option("--llm-prompts", help="Folder with zh.toml / en.toml overriding the bundled prompts."),
]
LlmTimeoutOpt = Annotated[
    float,
    typer.Option("--llm-timeout", help="Seconds to wait for one answer (local CPU models are slow)."),
]
LlmMaxTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--llm-max-tokens", help="Cap on the tokens of one answer (default: what the context leaves)."
    ),
]


def llm_kwargs(
    writer: str,
    url: str | None,
    model: str | None,
    mode: str,
    context: int,
    prompts: Path | None,
    timeout: float = 600.0,
    max_tokens: int | None = None,
    *,
    quiet: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for `api.load_script`: the writer, its settings and a progress printer
    (which the rules writer uses too: the punctuation model says when it starts reading)."""

    def progress(line: str) -> None:
        if not quiet:
            print(line, file=sys.stderr, flush=True)

    if writer == "rules":
        return {"writer": "rules", "progress": progress}
    from voicer.script.llm import LLMSettings

    settings = LLMSettings(
        url=url,
        model=model,
        mode=mode,
        context=context,
        prompts=prompts,
        timeout=timeout,
        max_tokens=max_tokens,
    )
    return {"writer": writer, "llm": settings, "progress": progress}
