"""Issue 15, items 1 and 11: outputs never overwrite an input, and what can be checked
about the output (names, folder, encoder settings) is checked before any synthesis.

Every input kind (.txt, .md interview, .srt, .vtt, a script .md) is rendered to an
episode with the same stem, so every sidecar lands beside it; where a sidecar's name
equals the input's, the render is refused with one sentence before anything is written.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from voicer.errors import ExportError, VoicerError
from voicer.export import ExportSettings, preflight
from voicer.export.paths import SIDECAR_SUFFIXES, check_cli_outputs, check_outputs, planned_outputs

REPO = Path(__file__).resolve().parents[1]

TEXT = "Open models changed everything. Teams can now fine-tune a model on one GPU. Why does that matter?\n"
INTERVIEW_MD = (
    "# Open models\n\n**Ana:** Welcome back to the show. Today we talk about open models.\n\n"
    "**Ben:** Thanks, Ana. Open weights changed everything in 2023.\n\n"
    "**Ana:** Why do they matter?\n\n**Ben:** Anyone can study them.\n"
)
SRT = (
    "1\n00:00:00,000 --> 00:00:03,200\nWelcome back to the show.\n\n"
    "2\n00:00:03,400 --> 00:00:07,900\nToday we talk about open models.\n"
)
VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:03.200\nWelcome back to the show.\n\n"
    "00:00:03.400 --> 00:00:07.900\nOpen models matter.\n"
)
SCRIPT = """---
voicer: script 1
title: Open models
language: en
hosts:
  - id: Alex
    name: Alex
    voice: en-female-1
  - id: Sam
    name: Sam
    voice: en-male-1
---

# Open models

**Alex:** Welcome back. Today we talk about open models.

**Sam:** Why do they matter?
"""

INPUTS = {"txt": (".txt", TEXT), "md": (".md", INTERVIEW_MD), "srt": (".srt", SRT), "vtt": (".vtt", VTT),
          "script": (".md", SCRIPT)}  # fmt: skip


def _voicer(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VOICER_CACHE_DIR=str(cwd / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "voicer", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def _refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_render_to_the_inputs_stem_never_touches_the_input(tmp_path: Path, kind: str) -> None:
    """`voicer render talk.X -o talk.mp3`: every sidecar beside the input, which stays as it was
    (or, when a sidecar would take its name, nothing at all is written)."""
    suffix, text = INPUTS[kind]
    src = tmp_path / f"talk{suffix}"
    src.write_text(text, encoding="utf-8")
    proc = _voicer("render", src.name, "-o", "talk.mp3", "--engine", "offline", "-q", cwd=tmp_path)
    assert src.read_text(encoding="utf-8") == text
    if suffix in (".srt", ".vtt"):
        _refused(proc, src.name, "is an input")
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [src.name]
        return
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in tmp_path.iterdir()}
    for name in ("chapters", "srt", "vtt", "notes"):
        assert f"talk{SIDECAR_SUFFIXES[name][0]}" in names, names
    assert "talk.notes.md" in names and src.name in names


def test_default_workflow_keeps_the_edited_script(tmp_path: Path) -> None:
    """`voicer script` writes episode.md; `voicer render episode.md` writes episode.mp3 and
    show notes that must not replace the script (the issue's first report)."""
    script = tmp_path / "episode.md"
    script.write_text(SCRIPT, encoding="utf-8")
    names = [p.name for _, p in planned_outputs(tmp_path / "episode.mp3", ExportSettings().sidecars)]
    assert "episode.md" not in names and "episode.notes.md" in names
    check_outputs(planned_outputs(tmp_path / "episode.mp3", ExportSettings().sidecars), [script])


def _named_like(tmp_path: Path, kind: str, sidecar: str) -> tuple[Path, str, list[str]]:
    """An input of `kind` named like `sidecar` of talk.mp3 (or given as --script-out)."""
    suffix, text = INPUTS[kind]
    if sidecar == "script":
        src, extra = tmp_path / f"talk{suffix}", ["--script-out"]
    else:
        # The sidecar's own name whatever the kind (content sniffing reads it as `kind`).
        src, extra = tmp_path / f"talk{SIDECAR_SUFFIXES[sidecar][0]}", []
    src.write_text(text, encoding="utf-8")
    return src, text, [*extra, src.name] if extra else []


@pytest.mark.parametrize("kind", sorted(INPUTS))
@pytest.mark.parametrize("sidecar", ["chapters", "srt", "vtt", "notes", "report", "script"])
def test_every_input_against_every_sidecar_is_refused_before_work(
    tmp_path: Path, kind: str, sidecar: str
) -> None:
    """The CLI's check (run before the script is made) refuses an input named exactly like a
    sidecar of the episode or like --script-out; nothing is written."""
    src, text, _ = _named_like(tmp_path, kind, sidecar)
    script_out = src if sidecar == "script" else None
    with pytest.raises(ExportError, match=re.escape(str(src))):
        check_cli_outputs(src, tmp_path / "talk.mp3", ExportSettings(), script_out)
    assert src.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == [src.name]


@pytest.mark.parametrize(("kind", "sidecar"), [("srt", "srt"), ("md", "notes"), ("script", "script"),
                                               ("txt", "chapters")])  # fmt: skip
def test_the_cli_refuses_with_one_sentence_and_exit_2(tmp_path: Path, kind: str, sidecar: str) -> None:
    src, text, extra = _named_like(tmp_path, kind, sidecar)
    proc = _voicer("render", src.name, "-o", "talk.mp3", "--engine", "offline", "-q", *extra, cwd=tmp_path)
    _refused(proc, src.name)
    assert src.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [src.name]


def test_script_command_never_overwrites_its_input(tmp_path: Path) -> None:
    src = tmp_path / "episode.md"
    src.write_text(INTERVIEW_MD, encoding="utf-8")
    _refused(_voicer("script", src.name, "-o", src.name, cwd=tmp_path), "episode.md", "is an input")
    assert src.read_text(encoding="utf-8") == INTERVIEW_MD


def test_script_out_and_a_sidecar_on_one_name_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "talk.txt"
    src.write_text(TEXT, encoding="utf-8")
    proc = _voicer("render", "talk.txt", "-o", "ep.mp3", "--script-out", "ep.srt", cwd=tmp_path)
    _refused(proc, "ep.srt", "both")


def test_api_render_refuses_an_input_as_output(tmp_path: Path) -> None:
    import voicer

    src = tmp_path / "talk.srt"
    src.write_text(SRT, encoding="utf-8")
    with pytest.raises(ExportError, match="talk.srt"):
        voicer.render(src, tmp_path / "talk.mp3", engine="offline")
    assert src.read_text(encoding="utf-8") == SRT


# ----------------------------------------------------------------- item 11: before synthesis


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write in a read-only folder")
def test_read_only_folder_is_found_before_synthesis(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ExportError, match="Cannot write in") as info:
            preflight(folder / "ep.mp3", ExportSettings())
        assert ".ep.mp3." not in str(info.value)
    finally:
        folder.chmod(stat.S_IRWXU)


def test_unwritable_output_folder_is_found_before_synthesis(tmp_path: Path) -> None:
    """A folder that cannot be created (a file is in the way) is refused up front, also as root."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    src = tmp_path / "talk.txt"
    src.write_text(TEXT, encoding="utf-8")
    proc = _voicer("render", "talk.txt", "-o", "file/sub/ep.mp3", "--engine", "offline", cwd=tmp_path)
    _refused(proc, "file")
    assert "cache" not in {p.name for p in tmp_path.iterdir()}  # nothing was synthesized


@pytest.mark.parametrize("bitrate", ["7", "100", "321", "1000"])
def test_bad_bitrate_is_refused_before_synthesis(tmp_path: Path, bitrate: str) -> None:
    src = tmp_path / "talk.txt"
    src.write_text(TEXT, encoding="utf-8")
    proc = _voicer("render", "talk.txt", "-o", "ep.mp3", "--bitrate", bitrate, "--engine", "offline",
                   cwd=tmp_path)  # fmt: skip
    _refused(proc, bitrate, "kbps")
    assert "cache" not in {p.name for p in tmp_path.iterdir()}  # nothing was synthesized
    assert not (tmp_path / "ep.mp3").exists()


def test_encoder_failure_names_no_temp_file(tmp_path: Path) -> None:
    """Whatever an encoder says, the message names the format, never `.ep.mp3.xyz.mp3`."""
    import numpy as np

    from voicer.export.encode import write_audio

    tmp = tmp_path / "missing-folder" / ".ep.mp3.k2j3.mp3"
    with pytest.raises(VoicerError) as info:
        write_audio(np.zeros(4410, dtype=np.float32), 44100, tmp, "mp3", 128)
    assert ".ep.mp3" not in str(info.value) and "MP3" in str(info.value)
