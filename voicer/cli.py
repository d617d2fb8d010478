"""The `voicer` command line: render, script, voices, doctor, feed.

Heavy modules (numpy, jieba, torch, TTS) load inside commands, so `voicer --help`
stays fast. Every `VoicerError` ends here as one sentence and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from voicer.errors import VoicerError

app = typer.Typer(
    help="Re-voice transcripts as chaptered two-host podcast episodes (Mandarin and English).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_USER_ERROR = 2

InputArg = Annotated[Path, typer.Argument(help="Transcript (.txt .md .srt .vtt) or a voicer script file.")]
FormatOpt = Annotated[
    str, typer.Option("--format", help="Input format: auto, text, markdown, srt, vtt, timestamped, script.")
]
LanguageOpt = Annotated[str | None, typer.Option("--language", "-l", help="Episode language: zh or en.")]
VoicesOpt = Annotated[
    str | None,
    typer.Option("--voices", help="Two voice presets for the hosts, e.g. zh-female-1,zh-male-1."),
]
VoicesDirOpt = Annotated[
    list[Path] | None, typer.Option("--voices-dir", help="Extra folder of voice presets (repeatable).")
]
SeedOpt = Annotated[
    int, typer.Option("--seed", help="Seed for the dialogue's choices (same seed, same script).")
]
AgreeOpt = Annotated[
    bool,
    typer.Option(
        "--agree-coqui-license",
        help="Accept the CPML (non-commercial) licence of XTTS v2; same as COQUI_TOS_AGREED=1.",
    ),
]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Episode title (default: from the source).")]


def _parse_voices(voices: str | None) -> tuple[str, str] | None:
    if not voices:
        return None
    names = [v.strip() for v in voices.split(",") if v.strip()]
    if len(names) != 2:
        raise VoicerError("--voices takes two preset names separated by a comma, e.g. zh-female-1,zh-male-1.")
    return names[0], names[1]


def _console(stderr: bool = True):  # noqa: ANN202 - rich is imported lazily
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


@app.command()
def render(
    input: InputArg,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Episode file: .mp3 (default), .wav, .flac or .m4a.")
    ] = Path("episode.mp3"),
    format: FormatOpt = "auto",
    language: LanguageOpt = None,
    voices: VoicesOpt = None,
    voices_dir: VoicesDirOpt = None,
    seed: SeedOpt = 0,
    title: TitleOpt = None,
    engine: Annotated[str, typer.Option("--engine", help="auto, offline or coqui.")] = "auto",
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:1 or mps (Coqui).")] = "auto",
    lexicon: Annotated[
        list[Path] | None, typer.Option("--lexicon", help="Extra pronunciation lexicon file (repeatable).")
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Turn cache folder (default: user cache, $VOICER_CACHE_DIR)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", help="Parallel synthesis workers.")
    ] = None,
    keep_going: Annotated[
        bool,
        typer.Option("--keep-going", help="Render the other turns when one fails, then report failures."),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print chapters, turns and estimated length; synthesize nothing."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    script_out: Annotated[
        Path | None, typer.Option("--script-out", help="Also write the editable script to this file.")
    ] = None,
    lufs: Annotated[
        float | None, typer.Option("--lufs", help="Loudness target (default -19 mono, -16 stereo).")
    ] = None,
    true_peak: Annotated[float, typer.Option("--true-peak", help="True-peak ceiling in dBTP.")] = -1.0,
    stereo: Annotated[
        bool, typer.Option("--stereo", help="Place the two hosts gently left and right.")
    ] = False,
    intro: Annotated[Path | None, typer.Option("--intro", help="Intro music file.")] = None,
    outro: Annotated[Path | None, typer.Option("--outro", help="Outro music file.")] = None,
    stinger: Annotated[Path | None, typer.Option("--stinger", help="Short sound between chapters.")] = None,
    bitrate: Annotated[int, typer.Option("--bitrate", help="MP3 bitrate in kbps.")] = 128,
    sample_rate: Annotated[int, typer.Option("--sample-rate", help="Episode sample rate.")] = 44100,
    cover: Annotated[
        Path | None, typer.Option("--cover", help="Cover art (JPEG or PNG) for the tags.")
    ] = None,
    show: Annotated[str | None, typer.Option("--show", help="Show name (artist/album tags).")] = None,
    episode: Annotated[int | None, typer.Option("--episode", help="Episode number.")] = None,
    agree_coqui_license: AgreeOpt = False,
) -> None:
    """Render INPUT into a chaptered, loudness-normalized episode with sidecars."""
    from voicer import api
    from voicer.cli_support import print_plan, print_result
    from voicer.export import ExportSettings
    from voicer.mix import MixSettings
    from voicer.render import make_rich_progress

    script = api.load_script(
        input, format=format, language=language, voices=_parse_voices(voices), seed=seed, title=title
    )
    if script_out:
        api.write_script(script, script_out)
    err = _console()
    if dry_run:
        plan = api.plan_render(
            script,
            engine=engine,
            device=device,
            voices_dir=voices_dir or (),
            lexicon=lexicon or (),
            cache_dir=cache_dir,
        )
        print_plan(plan, _console(stderr=False))
        return
    mix = MixSettings(
        sample_rate=sample_rate,
        stereo=stereo,
        intro=intro,
        outro=outro,
        stinger=stinger,
        lufs=lufs,
        true_peak=true_peak,
    )
    exp = ExportSettings(bitrate_kbps=bitrate, cover=cover, show=show, episode=episode)
    with make_rich_progress(err, quiet=quiet) as progress:
        result = api.render(
            script,
            out,
            engine=engine,
            device=device,
            voices_dir=voices_dir or (),
            lexicon=lexicon or (),
            cache_dir=cache_dir,
            workers=workers,
            keep_going=keep_going,
            progress=progress,
            mix_settings=mix,
            export_settings=exp,
            on_engine=lambda note: err.print(note, markup=False, highlight=False),
            agree_coqui_license=agree_coqui_license,
        )
    print_result(result, err, quiet=quiet)
    if result.outcome.failed:
        raise typer.Exit(1)


@app.command()
def script(
    input: InputArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Script file to write (Markdown).")] = Path(
        "episode.md"
    ),
    format: FormatOpt = "auto",
    language: LanguageOpt = None,
    voices: VoicesOpt = None,
    seed: SeedOpt = 0,
    title: TitleOpt = None,
) -> None:
    """Write the editable two-host script for INPUT; edit it, then `voicer render` it."""
    from voicer import api

    s = api.load_script(
        input, format=format, language=language, voices=_parse_voices(voices), seed=seed, title=title
    )
    api.write_script(s, out)
    turns = sum(len(c.turns) for c in s.chapters)
    _console(stderr=False).print(
        f"Wrote {out}: {len(s.chapters)} chapters, {turns} turns, hosts "
        + ", ".join(f"{h.name} ({h.voice})" for h in s.hosts)
    )


@app.command("voices")
def voices_cmd(
    voices_dir: VoicesDirOpt = None,
    language: LanguageOpt = None,
) -> None:
    """List voice presets (bundled, --voices-dir and $VOICER_VOICES_DIR)."""
    from rich.table import Table

    from voicer import api

    table = Table("name", "lang", "gender", "offline (eSpeak NG)", "coqui", "description")
    for v in sorted(api.list_voices(voices_dir or ()).values(), key=lambda v: (v.language, v.name)):
        if language and v.language != language:
            continue
        off, coq = v.engines.get("offline", {}), v.engines.get("coqui", {})
        model = str(coq.get("model") or coq.get("model_path") or "").rsplit("/", 1)[-1]
        who = coq.get("speaker") or ("cloned" if coq.get("reference_wav") else "")
        table.add_row(
            v.name, v.language, v.gender, str(off.get("voice", "")), f"{model} {who}".strip(), v.description
        )
    _console(stderr=False).print(table)


@app.command()
def doctor(
    download: Annotated[
        bool, typer.Option("--download", help="Fetch the Coqui models of the default cast (or --voice) now.")
    ] = False,
    voice: Annotated[
        list[str] | None, typer.Option("--voice", help="Voice preset to fetch (repeatable).")
    ] = None,
    voices_dir: VoicesDirOpt = None,
    agree_coqui_license: AgreeOpt = False,
) -> None:
    """Say which engines, models and devices are available here, and why not."""
    from voicer import api

    con = _console(stderr=False)
    rows = (
        api.download_models(voice, voices_dir=voices_dir or (), agree_coqui_license=agree_coqui_license)
        if download
        else api.doctor()
    )
    for name, ok, detail in rows:
        con.print(f"[{'green' if ok else 'yellow'}]{'ok ' if ok else 'no '}[/] {name}: {detail}")


@app.command()
def feed(
    folder: Annotated[Path, typer.Argument(help="Folder of rendered episodes (.mp3 with sidecars).")],
    title: Annotated[str, typer.Option("--title", help="Podcast title.")],
    base_url: Annotated[str, typer.Option("--base-url", help="Public URL where the folder is served.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Feed file to write.")] = Path("feed.xml"),
    description: Annotated[str | None, typer.Option("--description", help="Podcast description.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Podcast author.")] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Feed language, e.g. zh-cn or en.")
    ] = None,
    image: Annotated[
        str | None, typer.Option("--image", help="URL of the cover image (Apple needs one).")
    ] = None,
    category: Annotated[str, typer.Option("--category", help="iTunes category.")] = "Technology",
    explicit: Annotated[bool, typer.Option("--explicit", help="Mark the podcast explicit.")] = False,
) -> None:
    """Build an RSS 2.0 podcast feed of the episodes in FOLDER."""
    from voicer import api

    options = {"title": title, "base_url": base_url, "category": category, "explicit": explicit}
    for key, value in (
        ("description", description),
        ("author", author),
        ("language", language),
        ("image", image),
    ):
        if value is not None:
            options[key] = value
    api.build_feed(folder, out, **options)
    _console(stderr=False).print(f"Wrote {out}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning user errors into one sentence and exit code 2."""
    try:
        app(args=argv, prog_name="voicer", standalone_mode=True)
    except VoicerError as error:
        print(f"voicer: {error}", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        print("voicer: interrupted; run the same command again to resume from the cache.", file=sys.stderr)
        sys.exit(130)
    except OSError as error:
        # Files the user named that cannot be read or written are user errors too.
        where = f" {error.filename}" if error.filename else ""
        print(f"voicer: cannot use{where}: {error.strerror or error}.", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)


if __name__ == "__main__":
    main()
