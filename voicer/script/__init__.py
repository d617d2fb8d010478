"""Script stage: Transcript -> two-host Script with chapters, and the editable file.

`make_script` casts hosts (`casting`), cuts the text into sentences (`sentences`),
finds chapters (`chapters`: headings, else topic shifts) and, for one speaker or
none, turns the text into a conversation (`dialogue`). `scriptfile` reads and writes
the editable Markdown format.
"""

from __future__ import annotations

import re

from voicer.errors import InputError
from voicer.model import Chapter, Script, Segment, Transcript, Turn

from .casting import cast
from .chapters import Span, find_chapters, keyword_titles
from .data import bank, bank_language
from .dialogue import converse
from .scriptfile import format_script, is_script_file, parse_script, read_script, write_script
from .sentences import content_chars, split_sentences

__all__ = [
    "format_script",
    "is_script_file",
    "make_script",
    "parse_script",
    "read_script",
    "split_sentences",
    "write_script",
]


def _one_line(text: str) -> str:
    return re.sub(r"[ \t]*\n[ \t]*", " ", text).strip()


def _sections(transcript: Transcript, language: str) -> list[tuple[str | None, list[Segment]]]:
    """Speech segments grouped under their heading (None: before the first heading).
    Headings with no speech between them merge into one title."""
    sections: list[tuple[str | None, list[Segment]]] = [(None, [])]
    for seg in transcript.segments:
        if seg.kind == "heading":
            title = _one_line(seg.text)
            if not title:
                continue
            last_title, last_segs = sections[-1]
            if not last_segs and last_title is not None:
                sep = "" if last_title.endswith(("：", ":")) else ("：" if language == "zh" else ": ")
                sections[-1] = (last_title + sep + title, [])
            elif not last_segs and len(sections) == 1 and title == (transcript.title or "").strip():
                continue  # the document title, already the episode title
            else:
                sections.append((title, []))
        elif seg.kind == "speech" and content_chars(seg.text):
            sections[-1][1].append(seg)
    return [(t, segs) for t, segs in sections if segs or t is not None]


def make_script(
    transcript: Transcript,
    *,
    language: str | None = None,
    voices: tuple[str, str] | None = None,
    seed: int = 0,
    title: str | None = None,
) -> Script:
    """The two-host Script for `transcript` (deterministic for the same input and seed)."""
    lang = bank_language(language or transcript.language)
    table = bank(lang)
    speech = [s for s in transcript.segments if s.kind == "speech" and content_chars(s.text)]
    if not speech:
        raise InputError("The transcript has nothing to speak; give a file with some text in it.")
    speakers = [s for s in transcript.speakers if any(seg.speaker == s for seg in speech)]
    narration = any(s.speaker is None for s in speech)
    hosts = cast(speakers, narration, lang, voices)
    all_text = "\n".join(_one_line(s.text) for s in speech)
    episode_title = (title or transcript.title or "").strip() or keyword_titles([all_text], lang)[0]
    sections = _sections(transcript, lang)
    has_headings = any(t is not None for t, _ in sections)
    intro_title = table["chapters"]["intro_title"]

    chapters: list[Chapter] = []
    if len(speakers) >= 2:
        # Labelled speakers keep their own turns; narration goes to the narrator.
        narrator = hosts[-1].id if narration else None
        turn_lists: list[tuple[str, list[Turn]]] = []
        if has_headings:
            for t, segs in sections:
                turns = [Turn(speaker=s.speaker or narrator or "", text=_one_line(s.text)) for s in segs]
                turn_lists.append((t if t is not None else intro_title, turns))
        else:
            turns = [Turn(speaker=s.speaker or narrator or "", text=_one_line(s.text)) for s in speech]
            for span in find_chapters([t.text for t in turns], lang):
                turn_lists.append((span.title, turns[span.start : span.end]))
        chapters = [Chapter(title=t, turns=turns) for t, turns in turn_lists]
        if narrator is not None:
            first_turns = chapters[0].turns
            bridges = table["bridges"]
            if first_turns and first_turns[0].speaker == narrator:
                first_turns.insert(
                    0,
                    Turn(
                        speaker=narrator,
                        text=bridges["intro"][seed % len(bridges["intro"])].format(title=episode_title),
                        bridge=True,
                    ),
                )
            chapters[-1].turns.append(
                Turn(speaker=narrator, text=bridges["outro"][seed % len(bridges["outro"])], bridge=True)
            )
    else:
        # One voice (or none): two hosts share the sentences.
        groups: list[tuple[Span, list[str]]] = []
        if has_headings:
            for t, segs in sections:
                sents = split_sentences("\n".join(_one_line(s.text) for s in segs), lang)
                kind = "intro" if t is None else "body"
                groups.append((Span(0, len(sents), t if t is not None else intro_title, kind), sents))
        else:
            sents = split_sentences(all_text, lang)
            groups = [(span, sents[span.start : span.end]) for span in find_chapters(sents, lang)]
        turn_lists = converse(groups, lang, hosts[0].id, hosts[1].id, seed=seed, title=episode_title)
        chapters = [
            Chapter(title=span.title, turns=turns)
            for (span, _), turns in zip(groups, turn_lists, strict=True)
        ]

    meta = {
        str(k): str(v)
        for k, v in transcript.meta.items()
        if k not in ("voicer", "title", "language", "hosts")
    }
    if transcript.source:
        meta.setdefault("transcript", str(transcript.source))
    return Script(title=episode_title, language=lang, hosts=hosts, chapters=chapters, meta=meta)
