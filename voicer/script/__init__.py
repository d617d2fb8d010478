"""Script stage: Transcript -> two-host Script with chapters, and the editable file.

`make_script` casts hosts (`casting`), cuts the text into sentences (`sentences`),
finds chapters (`chapters`: headings, else topic shifts) and, for one speaker or
none, turns the text into a conversation (`dialogue`). `scriptfile` reads and writes
the editable Markdown format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from voicer.errors import InputError
from voicer.model import Chapter, Host, Script, Segment, Transcript, Turn, Voice

from .casting import cast, suit_lead
from .chapters import Span, find_chapters, keyword_titles, split_heading
from .data import bank, bank_language
from .dialogue import converse, name_hosts
from .punctuate import method
from .scriptfile import format_script, is_script_file, parse_script, read_script, write_script
from .sentences import content_chars, split_sentences

if TYPE_CHECKING:
    from .llm import LLMSettings

WRITERS = ("rules", "llm")

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
    presets: dict[str, Voice] | None = None,
    writer: str = "rules",
    llm: LLMSettings | None = None,
    progress: Callable[[str], None] | None = None,
    punctuation: str = "auto",
) -> Script:
    """The two-host Script for `transcript` (deterministic for the same input and seed).

    `presets`: the voice presets to cast from (default: bundled + $VOICER_VOICES_DIR);
    `punctuation`: how unpunctuated text gets its sentences (`punctuate.METHODS`)."""
    lang = bank_language(language or transcript.language)
    table = bank(lang)
    speech = [s for s in transcript.segments if s.kind == "speech" and content_chars(s.text)]
    if not speech:
        raise InputError("The transcript has nothing to speak; give a file with some text in it.")
    speakers = [s for s in transcript.speakers if any(seg.speaker == s for seg in speech)]
    narration = any(s.speaker is None for s in speech)
    how = _checked(writer, punctuation)  # refused before any work
    # The LLM writer's added lines in an interview go to a narrator, never to a real speaker.
    hosts = cast(speakers, narration or (writer == "llm" and len(speakers) >= 2), lang, voices, presets)
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
                # A heading's chapter longer than 8 minutes is cut at a topic shift: "title (2)".
                for part in split_heading([x.text for x in turns], t if t is not None else intro_title, lang):
                    turn_lists.append((part.title, turns[part.start : part.end]))
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
        # One voice (or none): two hosts share the sentences; the lead takes a name the text gives.
        named = name_hosts(hosts, speakers, [s.text for s in speech[:8]], lang)
        hosts = suit_lead(named, lang, voices, presets)
        groups: list[tuple[Span, list[str]]] = []
        if has_headings:
            for t, segs in sections:
                sents = split_sentences("\n".join(_one_line(s.text) for s in segs), lang, how, progress)
                kind = "intro" if t is None else "body"
                for part in split_heading(sents, t if t is not None else intro_title, lang):
                    part_sents = sents[part.start : part.end]
                    groups.append((Span(0, len(part_sents), part.title, kind), part_sents))
        else:
            sents = split_sentences(all_text, lang, how, progress)
            groups = [(span, sents[span.start : span.end]) for span in find_chapters(sents, lang)]
        turn_lists = converse(groups, lang, hosts[0].id, hosts[1].id, seed=seed, title=episode_title)
        chapters = [
            Chapter(title=span.title, turns=turns)
            for (span, _), turns in zip(groups, turn_lists, strict=True)
        ]
    if writer == "llm":
        monologue = [sents for _, sents in groups] if len(speakers) < 2 else None
        chapters = _llm_chapters(chapters, monologue, hosts, lang, llm, seed=seed, progress=progress)

    meta = {
        str(k): str(v)
        for k, v in transcript.meta.items()
        if k not in ("voicer", "title", "language", "hosts", "speakers_merged")
    }
    _note_merged_speakers(transcript, chapters)
    if transcript.source:
        meta.setdefault("transcript", str(transcript.source))
    return Script(title=episode_title, language=lang, hosts=hosts, chapters=chapters, meta=meta)



def _checked(writer: str, punctuation: str) -> str:
    """The punctuation method to use (`punctuate.method`), after checking both options."""
    if writer not in WRITERS:
        raise InputError(f"Unknown writer {writer!r}; use rules or llm.")
    return method(punctuation)


def _note_merged_speakers(transcript: Transcript, chapters: list[Chapter]) -> None:
    """Ingest merged "刘:" into "刘铮:": say so as a comment above the first chapter's turns."""
    note = transcript.meta.get("speakers_merged")
    if note and chapters:
        chapters[0].notes.insert(0, note)

def _llm_chapters(
    chapters: list[Chapter],
    monologue: list[list[str]] | None,
    hosts: list[Host],
    language: str,
    settings: LLMSettings | None,
    *,
    seed: int,
    progress: Callable[[str], None] | None,
) -> list[Chapter]:
    """The LLM writer's chapters (`chapters`, from the rules writer, are the fallback).
    `monologue`: the sentences of each chapter when two hosts share one voice's text;
    None for labelled speakers, whose own turns are the units."""
    from .llm import Cast, LLMSettings, Unit, llm_chapters

    labelled = monologue is None
    if monologue is not None:
        sources = [[Unit(s) for s in sents] for sents in monologue]
    else:
        sources = [[Unit(t.text, t.speaker) for t in c.turns if not t.bridge] for c in chapters]
    narrator = hosts[-1].id if labelled and len(hosts) > 2 else None
    turns = bank(language)["turns"]
    out, _ = llm_chapters(
        chapters,
        sources,
        Cast(hosts[0].id, hosts[1].id, narrator, labelled),
        language,
        settings or LLMSettings(),
        seed=seed,
        joiner=turns["joiner"],
        max_size=turns["max_size"],
        progress=progress,
    )
    return out
