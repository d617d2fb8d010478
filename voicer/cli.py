"""The `voicer` command line: render, script, voices, doctor, feed.

Heavy modules (numpy, jieba, torch, TTS) load inside commands, so `voicer --help`
stays fast. Every `VoicerError` ends here as one sentence and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voicer.cli_llm import (
    LlmContextOpt,
    LlmMaxTokensOpt,
    LlmModelOpt,
    LlmModeOpt,
    LlmPromptsOpt,
    LlmTimeoutOpt,
    LlmUrlOpt,
    WriterOpt,
    llm_kwargs,
)
from voicer.cli_options import BitrateOpt, EngineOpt, QuietOpt, VoicesDirOpt, render_settings
from voicer.errors import VoicerError, print_voicer_warnings

if TYPE_CHECKING:
    from voicer.model import Script

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
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="Seed for the dialogue's choices (same seed, same script; default 0)."),
]
AgreeOpt = Annotated[
    bool,
    typer.Option(
        "--agree-coqui-license",
        help="Accept the CPML (non-commercial) licence of XTTS v2; same as COQUI_TOS_AGREED=1.",
    ),
]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Episode title (default: from the source).")]
PunctuationOpt = Annotated[
    str,
    typer.Option(
        "--punctuation",
        help="How unpunctuated Chinese gets its sentences: lm (a small language model, the punct "
        "extra), model (rules and a trained veto), rules; auto: $VOICER_PUNCTUATION, else lm when "
        "installed, else model.",
    ),
]


def _load_script(
    input: Path,
    format: str,
    language: str | None,
    voices: str | None,
    seed: int | None,
    title: str | None,
    voices_dir: list[Path] | None,
    llm: tuple[str, str | None, str | None, str, int, Path | None],
    quiet: bool = False,
    punctuation: str = "auto",
) -> Script:
    """The script `render` and `script` start from, from their shared options (`llm`: the
    --writer and --llm-* values, in llm_kwargs' order)."""
    from voicer import api
    from voicer.cli_support import parse_voices
    from voicer.script.punctuate import method

    method(punctuation)  # a bad --punctuation (or missing extra) stops here, before any work
    return api.load_script(
        input,
        format=format,
        language=language,
        voices=parse_voices(voices),
        seed=seed,
        title=title,
        voices_dir=tuple(voices_dir or ()),
        punctuation=punctuation,
        **llm_kwargs(*llm, quiet=quiet),
    )


def _console(stderr: bool = True):  # noqa: ANN202 - rich is imported lazily
    from voicer.cli_display import console

    return console(stderr)


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
    seed: SeedOpt = None,
    title: TitleOpt = None,
    writer: WriterOpt = "rules",
    llm_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_mode: LlmModeOpt = "grounded",
    llm_context: LlmContextOpt = 8192,
    llm_prompts: LlmPromptsOpt = None,
    llm_timeout: LlmTimeoutOpt = 600.0,
    llm_max_tokens: LlmMaxTokensOpt = None,
    punctuation: PunctuationOpt = "auto",
    engine: EngineOpt = "auto",
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
    quiet: QuietOpt = False,
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
    bitrate: BitrateOpt = 128,
    sample_rate: Annotated[int, typer.Option("--sample-rate", help="Episode sample rate.")] = 44100,
    cover: Annotated[
        Path | None, typer.Option("--cover", help="Cover art (JPEG or PNG) for the tags.")
    ] = None,
    show: Annotated[str | None, typer.Option("--show", help="Show name (artist/album tags).")] = None,
    episode: Annotated[int | None, typer.Option("--episode", help="Episode number.")] = None,
    agree_coqui_license: AgreeOpt = False,
    gpu_workers: Annotated[
        int | None,
        typer.Option("--gpu-workers", help="Coqui model replicas on one GPU (default: from free memory)."),
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="Coqui on a GPU: fp32 (default), fp16 or bf16.")
    ] = None,
    picture: Annotated[
        bool,
        typer.Option("--picture", help="Also draw EPISODE.timeline.png: speaker turns, chapters, loudness."),
    ] = False,
) -> None:
    """Render INPUT into a chaptered, loudness-normalized episode with sidecars."""
    from voicer import api
    from voicer.cli_display import print_plan, print_result, rich_progress
    from voicer.export import ExportSettings
    from voicer.export.paths import check_cli_outputs
    from voicer.mix import MixSettings

    settings = render_settings(
        engine,
        device,
        voices_dir,
        lexicon,
        cache_dir,
        workers,
        agree_coqui_license,
        keep_going=keep_going,
        gpu_workers=gpu_workers,
        precision=precision,
    )
    # Settings and output names are checked before the script is even made (exit 2, one sentence).
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
    check_cli_outputs(input, None if dry_run else out, exp, script_out, [intro, outro, stinger, cover])
    llm = (writer, llm_url, llm_model, llm_mode, llm_context, llm_prompts, llm_timeout, llm_max_tokens)
    script = _load_script(
        input, format, language, voices, seed, title, voices_dir, llm, quiet, punctuation=punctuation
    )
    if script_out:
        api.write_script(script, script_out)
    err = _console()
    if dry_run:
        print_plan(api.plan_render(script, engine=engine, settings=settings), _console(stderr=False))
        return
    with rich_progress(err, quiet=quiet) as progress:
        result = api.render(
            script,
            out,
            settings=settings,
            progress=progress,
            mix_settings=mix,
            export_settings=exp,
            on_engine=lambda note: err.print(note, markup=False, highlight=False),
        )
    print_result(result, err, quiet=quiet)
    if picture:
        from voicer.preview import picture_lines

        for line in picture_lines(result.path):
            err.print(line, markup=False, highlight=False)
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
    seed: SeedOpt = None,
    title: TitleOpt = None,
    voices_dir: VoicesDirOpt = None,
    writer: WriterOpt = "rules",
    llm_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_mode: LlmModeOpt = "grounded",
    llm_context: LlmContextOpt = 8192,
    llm_prompts: LlmPromptsOpt = None,
    llm_timeout: LlmTimeoutOpt = 600.0,
    llm_max_tokens: LlmMaxTokensOpt = None,
    punctuation: PunctuationOpt = "auto",
) -> None:
    """Write the editable two-host script for INPUT; edit it, then `voicer render` it."""
    from voicer import api
    from voicer.cli_display import print_script_written
    from voicer.export.paths import check_outputs

    check_outputs([("script", out)], [input])  # never write the script over its own input
    llm = (writer, llm_url, llm_model, llm_mode, llm_context, llm_prompts, llm_timeout, llm_max_tokens)
    s = _load_script(input, format, language, voices, seed, title, voices_dir, llm, punctuation=punctuation)
    api.write_script(s, out)
    print_script_written(out, s, _console(stderr=False))


@app.command("voices")
def voices_cmd(
    voices_dir: VoicesDirOpt = None,
    language: LanguageOpt = None,
    clone: Annotated[
        Path | None,
        typer.Option("--clone", help="Make a preset that clones this recording (6-30 s of speech; XTTS v2)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the cloned voice's preset.")] = None,
    like: Annotated[
        str | None,
        typer.Option("--like", help="Preset whose model and fallback voices the clone takes."),
    ] = None,
) -> None:
    """List voice presets (bundled, --voices-dir and $VOICER_VOICES_DIR); --clone adds your own voice."""
    from voicer import api
    from voicer.cli_display import print_voices

    if clone is not None:
        from voicer.engines.xtts import write_clone_preset

        dirs = voices_dir or ()
        path = write_clone_preset(clone, name=name, language=language, like=like, voices_dirs=dirs)
        _console(stderr=False).print(f"Wrote {path}; cast it with --voices {name},OTHER or in a script.")
        return
    print_voices(api.list_voices(voices_dir or ()).values(), _console(stderr=False), language)


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
    from voicer.cli_display import print_doctor

    print_doctor(rows, con)


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
    email: Annotated[
        str | None, typer.Option("--email", help="Owner email for itunes:owner (Apple needs one).")
    ] = None,
) -> None:
    """Build an RSS 2.0 podcast feed of the episodes in FOLDER."""
    from voicer import api

    options = {"title": title, "base_url": base_url, "category": category, "explicit": explicit}
    for key, value in (
        ("description", description),
        ("author", author),
        ("language", language),
        ("image", image),
        ("owner_email", email),
    ):
        if value is not None:
            options[key] = value
    api.build_feed(folder, out, **options)
    _console(stderr=False).print(f"Wrote {out}")


@app.command()
def preview(
    target: Annotated[Path, typer.Argument(help="Episode audio file (.mp3 ...) or a folder of episodes.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Page to write (default: EPISODE.html beside it).")
    ] = None,
    picture: Annotated[
        bool, typer.Option("--picture/--no-picture", help="Draw the episode picture into the page.")
    ] = True,
    feed_url: Annotated[
        str | None, typer.Option("--feed-url", help="Feed address linked from a folder's index.html.")
    ] = None,
) -> None:
    """Write a static preview page (player, chapters, transcript, picture, loudness); no server needed."""
    from voicer.preview import preview_lines

    for line in preview_lines(target, out, picture=picture, feed_url=feed_url):
        _console(stderr=False).print(line, markup=False, highlight=False)


# `voicer batch`: the command lives in voicer/batch/cli.py (imports only typer).
from voicer.batch.cli import batch as _batch  # noqa: E402

app.command("batch")(_batch)


def _interrupted() -> None:
    print("voicer: interrupted; run the same command again to resume from the cache.", file=sys.stderr)
    sys.exit(130)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning user errors into one sentence and exit code 2."""
    from voicer.cli_support import end_on_sigterm_like_ctrl_c

    end_on_sigterm_like_ctrl_c()
    print_voicer_warnings()
    try:
        app(args=argv, prog_name="voicer", standalone_mode=True)
    except VoicerError as error:
        print(f"voicer: {error}", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as done:
        if done.code == 130:  # typer's answer to Ctrl-C (and to SIGTERM, see cli_support)
            _interrupted()
        raise
    except OSError as error:
        # Files the user named that cannot be read or written are user errors too.
        where = f" {error.filename}" if error.filename else ""
        print(f"voicer: cannot use{where}: {error.strerror or error}.", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)


if __name__ == "__main__":
    main()
