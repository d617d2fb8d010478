"""The command line as a user meets it: light start, clear errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

from helpers import MONOLOGUE

HEAVY = ("torch", "TTS", "jieba", "numpy", "pedalboard", "transformers")


def _run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicer", *args], capture_output=True, text=True, timeout=timeout
    )


def test_import_voicer_is_light():
    code = f"import sys, voicer; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_is_light():
    code = (
        "import sys\nfrom voicer.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "render" in out.stdout and "HEAVY []" in out.stdout


def _assert_user_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip()
    assert message.count("\n") == 0, message  # one sentence, one line
    for w in words:
        assert w in message, message


def test_missing_input_file(tmp_path):
    missing = tmp_path / "nope.txt"
    _assert_user_error(_run("render", str(missing), "-o", str(tmp_path / "x.mp3")), "nope.txt")
    assert not (tmp_path / "x.mp3").exists()


def test_empty_input_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    _assert_user_error(_run("script", str(empty), "-o", str(tmp_path / "x.md")), "empty.txt")


def test_unknown_voice(tmp_path):
    proc = _run("render", str(MONOLOGUE), "--voices", "nobody-1,zh-male-1", "--dry-run")
    _assert_user_error(proc, "nobody-1")


def test_unknown_engine(tmp_path):
    proc = _run("render", str(MONOLOGUE), "-o", str(tmp_path / "x.mp3"), "--engine", "nope")
    _assert_user_error(proc, "nope")


def test_voices_lists_presets():
    proc = _run("voices")
    assert proc.returncode == 0, proc.stderr
    assert "zh-female-1" in proc.stdout and "en-male-1" in proc.stdout


def test_doctor_reports_offline_engine():
    proc = _run("doctor")
    assert proc.returncode == 0, proc.stderr
    assert "offline" in proc.stdout.lower()


def test_dry_run_prints_plan_without_audio(tmp_path):
    proc = _run("render", str(MONOLOGUE), "-o", str(tmp_path / "x.mp3"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "x.mp3").exists()
    assert "turns" in proc.stdout.lower()
