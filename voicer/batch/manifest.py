"""What a catalogue is: a folder of transcripts, or a manifest file listing them.

A manifest is CSV (a header row naming the columns) or TOML (``[[episode]]``
tables, plus an optional ``[feed]`` table of `voicer feed` options). Columns/keys:
``input`` (required; relative to the manifest's folder), ``title``, ``episode``,
``voices`` ("a,b"), ``language``, ``out`` (the episode's file name, default the
input's stem + .mp3). A row's own problems (a missing file, a bad voice) fail that
episode only; they are found when the episode is prepared, not here.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicer.errors import InputError

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".markdown", ".srt", ".vtt")
COLUMNS = ("input", "title", "episode", "voices", "language", "out")


@dataclass(frozen=True)
class EpisodeSpec:
    """One episode of the catalogue, as listed (nothing is read or checked yet)."""

    input: Path
    name: str
    """Output file stem, unique in the catalogue (also the episode's key in the state file)."""
    title: str | None = None
    episode: int | None = None
    voices: tuple[str, str] | None = None
    language: str | None = None
    problem: str | None = None
    """A sentence saying why this row cannot be rendered (bad episode number...)."""

    def fields(self) -> dict[str, Any]:
        """What the row asks for (part of the episode's settings hash)."""
        return {
            "title": self.title,
            "episode": self.episode,
            "voices": list(self.voices) if self.voices else None,
            "language": self.language,
        }


@dataclass
class Catalogue:
    episodes: list[EpisodeSpec]
    feed: dict[str, Any] = field(default_factory=dict)
    """`voicer feed` options from a TOML manifest's [feed] table."""
    source: Path | None = None


def _row_spec(row: dict[str, Any], base: Path, where: str, number: int) -> EpisodeSpec:
    raw_input = str(row.get("input") or "").strip()
    path = (base / raw_input).expanduser() if raw_input else base / f"<missing input, {where}>"
    problems: list[str] = []
    if not raw_input:
        problems.append(f"{where} has no input; give the transcript's path in the input column")
    episode: int | None = None
    value = row.get("episode")
    if value not in (None, ""):
        try:
            episode = int(str(value).strip())
        except ValueError:
            problems.append(f"{where}: episode {value!r} is not a whole number")
    voices = None
    if row.get("voices"):
        names = [v.strip() for v in str(row["voices"]).split(",") if v.strip()]
        if len(names) == 2:
            voices = (names[0], names[1])
        else:
            problems.append(f"{where}: voices takes two preset names separated by a comma")
    out = str(row.get("out") or "").strip()
    name = Path(out).stem if out else path.stem or f"episode-{number}"
    title = str(row["title"]).strip() if row.get("title") else None
    language = str(row["language"]).strip() if row.get("language") else None
    problem = "; ".join(problems) + "." if problems else None
    return EpisodeSpec(path, name, title, episode, voices, language, problem)


def read_manifest(path: str | os.PathLike[str]) -> Catalogue:
    """Episodes (and feed options) listed in a .csv or .toml manifest."""
    source = Path(path).expanduser()
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"Cannot read the manifest {source} ({exc.strerror}); check the path.") from exc
    base = source.resolve().parent
    if source.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{source} is not valid TOML ({exc}); fix the manifest.") from exc
        rows = doc.get("episode", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{source}: list episodes as [[episode]] tables with an input key.")
        feed = doc.get("feed", {})
        where = "[[episode]] {n}"
    else:
        reader = csv.DictReader(text.splitlines())
        header = [h.strip() for h in reader.fieldnames or []]
        if "input" not in header:
            raise InputError(
                f"{source}: the first row must name the columns, with at least 'input' "
                f"(known: {', '.join(COLUMNS)})."
            )
        rows = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
        feed = {}
        where = "row {n}"
    specs = [_row_spec(r, base, where.format(n=n), n) for n, r in enumerate(rows, start=1)]
    if not specs:
        raise InputError(f"{source} lists no episodes; add one row per transcript.")
    return Catalogue(_unique_names(specs), dict(feed), source)


def discover(folder: str | os.PathLike[str]) -> Catalogue:
    """Every transcript in `folder` (not recursive, sorted by name), numbered from 1."""
    root = Path(folder).expanduser()
    files = sorted(
        p
        for p in root.iterdir()
        if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES and not p.name.startswith(".")
    )
    if not files:
        raise InputError(
            f"{root} holds no transcripts ({', '.join(TRANSCRIPT_SUFFIXES)}); "
            f"put them there or list them in a manifest."
        )
    specs = [EpisodeSpec(p, p.stem, episode=n) for n, p in enumerate(files, start=1)]
    return Catalogue(_unique_names(specs), {}, root)


def load_catalogue(source: str | os.PathLike[str]) -> Catalogue:
    """A folder of transcripts or a manifest file (.csv / .toml)."""
    path = Path(source).expanduser()
    if path.is_dir():
        return discover(path)
    if path.suffix.lower() in (".csv", ".toml"):
        return read_manifest(path)
    raise InputError(
        f"{path} is neither a folder of transcripts nor a .csv/.toml manifest; give one of those."
    )


def _unique_names(specs: list[EpisodeSpec]) -> list[EpisodeSpec]:
    """Two rows that would write the same file: the later ones fail (under a name of their own,
    so the first one's state and files are never touched)."""
    seen: dict[str, Path] = {}
    out: list[EpisodeSpec] = []
    for n, spec in enumerate(specs, start=1):
        key = spec.name.casefold()
        if key in seen:
            why = spec.problem or (
                f"{spec.input.name} and {seen[key].name} would both write {spec.name}.mp3; "
                f"give one of them another name in the out column."
            )
            spec = EpisodeSpec(
                spec.input, f"{spec.name}~{n}", spec.title, spec.episode, spec.voices, spec.language, why
            )
        seen.setdefault(key, spec.input)
        out.append(spec)
    return out
