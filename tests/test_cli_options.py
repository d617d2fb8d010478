"""Options always apply (or are refused in one sentence), on transcripts and script files
alike; SIGTERM ends a render as Ctrl-C does; a killed run's temp files go on the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import MONOLOGUE

import voicer
from voicer.errors import InputError, VoiceError


def _run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicer", *args], capture_output=True, text=True, timeout=timeout
    )


def _talk(tmp_path: Path, lines: int = 12) -> Path:
    text = "\n".join(MONOLOGUE.read_text(encoding="utf-8").splitlines()[:lines])
    path = tmp_path / "talk.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _one_sentence_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


def test_script_voices_are_checked_with_the_one_message(tmp_path):
    talk = _talk(tmp_path)
    for value in ("en-female-1,nonexistent", "nonexistent"):
        proc = _run("script", str(talk), "-o", str(tmp_path / "s.md"), "--voices", value)
        _one_sentence_error(proc, "Unknown voice 'nonexistent'", "voicer voices")
        assert not (tmp_path / "s.md").exists()


def test_options_apply_to_script_files(tmp_path):
    talk = _talk(tmp_path)
    md = tmp_path / "episode.md"
    voicer.write_script(voicer.load_script(talk), md)
    recast = voicer.load_script(md, voices=("zh-male-1", "zh-female-2"), title="新标题")
    assert [h.voice for h in recast.hosts[:2]] == ["zh-male-1", "zh-female-2"] and recast.title == "新标题"
    for kwargs, words in (
        ({"voices": ("zh-female-1", "nobody")}, "Unknown voice 'nobody'"),
        ({"language": "en"}, "--language only applies to transcripts"),
        ({"seed": 3}, "--seed"),
    ):
        try:
            voicer.load_script(md, **kwargs)
        except (InputError, VoiceError) as e:
            assert words in str(e)
        else:
            raise AssertionError(f"{kwargs} was silently ignored")
    assert voicer.load_script(md, language="zh").language == "zh"  # agreeing with the file is fine


def test_voices_dir_presets_can_be_cast_from_a_transcript(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "my-host.toml").write_text(
        'language = "zh"\ngender = "female"\n[engines.offline]\nvoice = "cmn+f2"\n', encoding="utf-8"
    )
    talk = _talk(tmp_path)
    proc = _run(
        "script", str(talk), "-o", str(tmp_path / "s.md"), "--voices", "my-host,zh-male-1",
        "--voices-dir", str(presets),
    )
    assert proc.returncode == 0, proc.stderr
    assert "my-host" in (tmp_path / "s.md").read_text(encoding="utf-8")


def test_engine_auto_decides_from_the_voices_cast(tmp_path):
    """A cast voice without Coqui settings rules Coqui out, whatever the default cast has."""
    from voicer.engines import get_engine, load_voices

    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "plain-voice.toml").write_text(
        'language = "zh"\n[engines.offline]\nvoice = "cmn+f2"\n', encoding="utf-8"
    )
    voices = load_voices([presets])
    engine = get_engine("auto", voices=voices, cast=["plain-voice", "zh-male-1"])
    try:
        assert engine.name != "coqui"
        if "not installed" not in engine.note:
            assert "plain-voice" in engine.note, engine.note
    finally:
        engine.close()


def _group_members(pgid: int) -> list[str]:
    """Pids of the processes still in process group `pgid` (from /proc: no pgrep needed)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # (zombies are already gone)
            out.append(stat.parent.name)
    return out


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_sigterm_ends_like_ctrl_c_and_stale_temps_are_removed_next_time(tmp_path):
    talk = _talk(tmp_path, lines=40)
    out = tmp_path / "ep.mp3"
    # A killed run's leftover beside the output (its pid no longer runs).
    code = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    stale = tmp_path / f".ep.mp3.{dead.stdout.strip()}-abcd1234.mp3"
    stale.write_bytes(b"half an mp3")
    args = [sys.executable, "-m", "voicer", "render", str(talk), "-o", str(out), "--engine", "offline",
            "--cache-dir", str(tmp_path / "cache"), "-j", "2"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 120
    cache = tmp_path / "cache"
    while time.time() < deadline and not (cache.is_dir() and any(cache.glob("??/*.npz"))):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert "interrupted" in err
    alive: list[str] = []
    for _ in range(50):  # the workers are ended by the render itself; give them a moment
        alive = _group_members(proc.pid)
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, f"workers left running: {alive}"
    done = _run("render", str(talk), "-o", str(out), "--engine", "offline", "--cache-dir", str(cache), "-q")
    assert done.returncode == 0, done.stderr
    assert out.is_file() and _temp_files(tmp_path) == [], _temp_files(tmp_path)
    assert os.path.getsize(out) > 10_000
