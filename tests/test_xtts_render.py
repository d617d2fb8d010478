"""`voicer render --engine coqui` with the random-weight XTTS (tests/coqui_fixtures.py),
run as a user runs it: two hosts on studio speakers, a Mandarin episode with English
words inside and an English episode; killed mid-render and resumed from the turn cache
(sample-identical to an uninterrupted render); one edited turn re-synthesized alone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import coqui_fixtures
import numpy as np
import pytest

pytestmark = pytest.mark.slow

ZH_TURNS = [
    ("A", "大家好，欢迎收听本期节目。"),
    ("B", "今天我们聊聊 Meta 的开源模型。"),
    ("A", "他们用了很多 GPU 来训练。"),
    ("B", "训练成本到底有多高？"),
    ("A", "我们慢慢说，先从数据讲起。"),
    ("B", "好的，那就开始吧。"),
]
EN_TURNS = [
    ("A", "Welcome back to the show."),
    ("B", "Today we talk about open models."),
    ("A", "Why do they matter so much?"),
    ("B", "Because everyone can build on them."),
]


def script_text(language: str, turns: list[tuple[str, str]], voices: tuple[str, str]) -> str:
    hosts = "".join(
        f"  - id: {h}\n    name: {h}\n    voice: {v}\n" for h, v in zip("AB", voices, strict=True)
    )
    body = "\n\n".join(f"**{who}:** {text}" for who, text in turns)
    return (
        f"---\nvoicer: script 1\ntitle: XTTS {language}\nlanguage: {language}\nhosts:\n{hosts}---\n\n"
        f"# One\n\n{body}\n"
    )


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("xtts-render")
    model = coqui_fixtures.build_xtts(tmp_path_factory.getbasetemp() / "xtts-random")
    presets = root / "presets"
    presets.mkdir()
    for name, lang, speaker in (
        ("x-zh-a", "zh", "host_a"),
        ("x-zh-b", "zh", "host_b"),
        ("x-en-a", "en", "host_a"),
        ("x-en-b", "en", "host_b"),
    ):
        (presets / f"{name}.toml").write_text(
            coqui_fixtures.xtts_preset_toml(name, lang, model, speaker=speaker)
        )
    (root / "zh.md").write_text(script_text("zh", ZH_TURNS, ("x-zh-a", "x-zh-b")), encoding="utf-8")
    (root / "en.md").write_text(script_text("en", EN_TURNS, ("x-en-a", "x-en-b")), encoding="utf-8")
    return root


def command(root: Path, script: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [
        "render", str(script), "-o", str(out), "--engine", "coqui", "--device", "cpu",
        "--voices-dir", str(root / "presets"), "--cache-dir", str(cache), "-q", *extra,
    ]  # fmt: skip


def env() -> dict[str, str]:
    # One torch thread: a shared 2-core runner spends most of its time in thread barriers.
    return dict(os.environ, OMP_NUM_THREADS="1")


one_torch_thread = pytest.fixture(scope="module", autouse=True)(coqui_fixtures.one_torch_thread)


@pytest.fixture
def cli(capsys, monkeypatch):
    """`voicer ARGS...` run in this process (the same entry point as the command; no new
    interpreter, so no torch import per run): (exit code, stdout, stderr)."""
    from voicer.cli import main

    def run(*args: str, extra_env: dict[str, str] | None = None) -> tuple[int, str, str]:
        for k, v in (extra_env or {}).items():
            monkeypatch.setenv(k, v)
        handler = signal.getsignal(signal.SIGTERM)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        finally:
            signal.signal(signal.SIGTERM, handler)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def render(cli, root: Path, script: Path, out: Path, cache: Path) -> tuple[int, int]:
    code, stdout, stderr = cli(*command(root, script, out, cache))
    assert code == 0, stderr
    m = re.search(r"(\d+) synthesized, (\d+) from cache", stderr + stdout)
    assert m, stderr
    return int(m.group(1)), int(m.group(2))


def entries(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.glob("??/*.npz") if not p.name.startswith(".")}


def samples(path: Path) -> np.ndarray:
    import soundfile as sf

    data, rate = sf.read(path, dtype="float32")
    assert rate == 44100
    return data


def test_english_episode_with_two_studio_speakers(cli, setup, tmp_path):
    out = tmp_path / "en.wav"
    assert render(cli, setup, setup / "en.md", out, tmp_path / "cache") == (4, 0)
    audio = samples(out)
    assert len(audio) > 0.5 * 44100 and np.abs(audio).max() > 0.01
    assert (tmp_path / "en.srt").is_file() and (tmp_path / "en.chapters.json").is_file()


def test_mandarin_episode_resumes_after_a_kill_and_rerenders_one_edited_turn(cli, setup, tmp_path):
    full_cache, out_full = tmp_path / "full", tmp_path / "full.wav"
    assert render(cli, setup, setup / "zh.md", out_full, full_cache) == (len(ZH_TURNS), 0)

    # A render in its own process, SIGKILLed mid-way: finished turns stay in the cache, complete.
    cache, out = tmp_path / "killed", tmp_path / "resumed.wav"
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicer", *command(setup, setup / "zh.md", out, cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while len(entries(cache)) < 2:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the render did not start"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = entries(cache)
    assert 2 <= len(done) < len(ZH_TURNS) and not out.exists()

    synthesized, reused = render(cli, setup, setup / "zh.md", out, cache)
    assert (synthesized, reused) == (len(ZH_TURNS) - len(done), len(done))
    assert all(entries(cache)[name] == stamp for name, stamp in done.items())  # reused, not rewritten
    np.testing.assert_array_equal(samples(out), samples(out_full))

    # Edit one turn: only it is synthesized again.
    before = entries(full_cache)
    edited = tmp_path / "zh-edited.md"
    turns = list(ZH_TURNS)
    turns[2] = ("A", "他们用了很多 GPU 来训练，对吧？")
    edited.write_text(script_text("zh", turns, ("x-zh-a", "x-zh-b")), encoding="utf-8")
    assert render(cli, setup, edited, tmp_path / "edited.wav", full_cache) == (1, len(ZH_TURNS) - 1)
    after = entries(full_cache)
    assert len(after) == len(before) + 1 and all(after[n] == s for n, s in before.items())


def test_cloned_voice_from_the_command_line_renders_with_latents_computed_once(cli, setup, tmp_path):
    ref = coqui_fixtures.speech_like_wav(tmp_path / "me.wav", seconds=8.0)
    mine = tmp_path / "my-voices"
    mine.mkdir()
    code, _, err = cli(
        "voices", "--clone", str(ref), "--name", "my-host", "--language", "zh",
        "--like", "x-zh-a", "--voices-dir", str(mine), "--voices-dir", str(setup / "presets"),
    )  # fmt: skip
    assert code == 0, err
    preset = mine / "my-host.toml"
    assert preset.is_file() and (mine / "my-host.wav").read_bytes() == ref.read_bytes()
    text = preset.read_text(encoding="utf-8")
    assert 'reference_wav = "my-host.wav"' in text and "xtts-random/model.pth" in text
    code, _, err = cli("voices", "--clone", str(ref), "--name", "my-host", "--voices-dir", str(mine))
    assert code == 2 and "already exists" in err

    script = tmp_path / "clone.md"
    turns = list(zip("ABAB", ["大家好。", "你好。", "今天聊模型。", "好的。"], strict=True))
    script.write_text(script_text("zh", turns, ("my-host", "x-zh-b")), encoding="utf-8")
    latents = tmp_path / "latents"
    args = command(setup, script, tmp_path / "clone.wav", tmp_path / "c", "--voices-dir", str(mine))
    code, _, err = cli(*args, extra_env={"VOICER_VOICE_CACHE_DIR": str(latents)})
    assert code == 0, err
    assert "4 synthesized" in err
    assert len(list(latents.glob("*.pt"))) == 1  # the clone's conditioning, computed once, kept


def test_clone_goes_to_the_user_voices_folder_by_default(cli, tmp_path):
    ref = coqui_fixtures.speech_like_wav(tmp_path / "me.wav", seconds=7.0)
    data_home = tmp_path / "data"
    home = {"XDG_DATA_HOME": str(data_home)}
    code, _, err = cli("voices", "--clone", str(ref), "--name", "me-en", "--language", "en", extra_env=home)
    assert code == 0, err
    preset = (data_home / "voicer" / "voices" / "me-en.toml").read_text(encoding="utf-8")
    assert "xtts_v2" in preset and "[engines.offline]" in preset  # like the default English host
    code, out, err = cli("voices", "--language", "en", extra_env=home)
    assert code == 0, err
    assert "me-en" in out and "cloned" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--device", "cuda"), r"torch sees no CUDA GPU; use --device cpu or auto\."),
        (("--voices", "x-zh-a,x-nobody"), r"no studio speaker 'Nobody'"),
        (("--precision", "fp16"), r"fp16 needs a GPU; use precision bf16 or fp32 on the CPU\."),
        (("--gpu-workers", "0"), r"Use one GPU worker or more \(got 0\)\."),
    ],
    ids=["cuda-without-cuda", "unknown-studio-speaker", "fp16-on-cpu", "zero-gpu-workers"],
)
def test_bad_input_is_one_sentence_and_exit_2(
    cli, setup, tmp_path_factory, tmp_path, monkeypatch, args, message
):
    import torch
    from TTS.tts.models.xtts import Xtts

    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    loads: list[object] = []
    real_load = Xtts.load_checkpoint
    monkeypatch.setattr(
        Xtts, "load_checkpoint", lambda self, *a, **k: loads.append(a) or real_load(self, *a, **k)
    )
    presets = tmp_path / "more"
    presets.mkdir()
    model = coqui_fixtures.build_xtts(tmp_path_factory.getbasetemp() / "xtts-random")
    preset = coqui_fixtures.xtts_preset_toml("x-nobody", "zh", model, speaker="Nobody")
    (presets / "x-nobody.toml").write_text(preset)
    src = tmp_path / "talk.txt"
    src.write_text("大家好，欢迎收听。今天聊聊模型。\n", encoding="utf-8")
    voices = () if "--voices" in args else ("--voices", "x-zh-a,x-zh-b")
    cmd = command(
        setup, src, tmp_path / "ep.wav", tmp_path / "c", "--voices-dir", str(presets), *voices, *args
    )
    if "--device" in args:
        del cmd[cmd.index("--device") : cmd.index("--device") + 2]  # the device comes from `args`
    code, _, err = cli(*cmd)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.startswith("voicer:")]
    assert len(lines) == 1 and re.search(message, lines[0]), err
    assert "Traceback" not in err and not (tmp_path / "ep.wav").exists()
    assert loads == []  # refused before any model loaded
