"""Show notes (the Markdown sidecar) as HTML for ``content:encoded`` and as plain text
for ``<description>``, rendered with markdown-it-py (already installed with rich)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    # "js-default": CommonMark without raw HTML, so a transcript's "<model>" stays text.
    return MarkdownIt("js-default")


def notes_body(text: str) -> str | None:
    """Show notes without their leading "# title" line (the item already has a title)."""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip() or None


def to_html(markdown: str) -> str:
    return _parser().render(markdown).strip()


def to_text(markdown: str) -> str:
    """Plain text: one line per block (heading, paragraph, list item), no Markdown syntax."""
    lines: list[str] = []
    for token in _parser().parse(markdown):
        if token.type != "inline" or not token.children:
            continue
        words = "".join(
            " " if child.type in ("softbreak", "hardbreak") else child.content
            for child in token.children
            if child.type in ("text", "code_inline", "softbreak", "hardbreak")
        )
        if words.strip():
            lines.append(words.strip())
    return "\n".join(lines)
