"""Render pipeline with the real offline engine on real transcript lines:
order, cache reuse, edit-and-re-render, workers, progress, failures, dry run."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from helpers import MONOLOGUE, CrashingEngine

from voicer.cli_display import rich_progress as make_rich_progress
from voicer.engines import load_voices
from voicer.engines.offline import OfflineEngine
from voicer.errors import EngineError, RenderError, VoiceError
from voicer.model import Chapter, Host, Script, Turn
from voicer.synth import ProgressEvent, TurnCache, plan, synthesize_script
from voicer.text import prepare


def monologue_lines(n: int) -> list[str]:
    lines = [ln.strip() for ln in MONOLOGUE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines[:n]


def two_host_script(lines: list[str], per_chapter: int = 6) -> Script:
    """Real subtitle lines as turns, hosts alternating, `per_chapter` turns per chapter."""
    turns = [Turn("A" if i % 2 == 0 else "B", line) for i, line in enumerate(lines)]
    chapters = [
        Chapter(f"第{n + 1}章", turns[i : i + per_chapter])
        for n, i in enumerate(range(0, len(turns), per_chapter))
    ]
    hosts = [Host("A", "小安", "zh-female-1"), Host("B", "小白", "zh-male-1")]
    return Script("测试节目", "zh", hosts, chapters)


@pytest.fixture(scope="module")
def voices():
    return load_voices()


class FailingEngine(OfflineEngine):
    """The real offline engine, refusing one specific text (an engine error on one turn)."""

    def __init__(self, fail_on: str) -> None:
        super().__init__()
        self.fail_on = fail_on

    def synthesize(self, text, voice, language):
        if self.fail_on in text:
            raise EngineError(f"refused to speak {self.fail_on!r}")
        return super().synthesize(text, voice, language)


class ChattyEngine(OfflineEngine):
    """The real offline engine, marked deterministic in any process (so workers keep it
    loaded instead of forking per turn) and printing to stdout as some engines do (Coqui)."""

    traits = replace(OfflineEngine.traits, determinism="always")

    def synthesize(self, text, voice, language):
        print("chatty engine says hello", flush=True)
        return super().synthesize(text, voice, language)


def _same_audio(a, b) -> bool:
    if len(a) != len(b):
        return False
    pairs = zip(a, b, strict=True)
    return all(x.sample_rate == y.sample_rate and np.array_equal(x.samples, y.samples) for x, y in pairs)


def test_one_turn_audio_per_turn_in_script_order(tmp_path, voices):
    lines = monologue_lines(8)
    script = two_host_script(lines, per_chapter=4)
    script.chapters[1].turns.insert(1, Turn("B", "[笑]"))  # nothing to speak
    out = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert [(a.chapter, a.turn) for a in out.audio] == [(ci, ti) for ci, ti, _ in script.turns()]
    assert out.synthesized == 8 and out.reused == 0 and out.empty == 1 and not out.failed
    empty = out.audio[5]
    assert empty.samples.size == 0 and empty.samples.dtype == np.float32
    spoken = [a for a in out.audio if a.samples.size]
    assert len(spoken) == 8
    for a in spoken:
        assert a.samples.dtype == np.float32 and a.sample_rate == 22050
        assert 0.01 < float(np.max(np.abs(a.samples))) <= 1.0
    # Each turn's audio is that turn's: rendering a turn alone gives the same samples.
    for index in (2, 6):
        ci, ti, turn = script.turns()[index]
        alone = Script("x", "zh", script.hosts, [Chapter("x", [turn])])
        solo = synthesize_script(alone, engine="offline", voices=voices, cache_dir=tmp_path / f"solo{index}")
        assert np.array_equal(solo.audio[0].samples, out.audio[index].samples)
    # Two hosts, two voices: the same engine and text in another voice differs.
    assert out.audio[0].samples.size != out.audio[1].samples.size or not np.array_equal(
        out.audio[0].samples, out.audio[1].samples
    )


def test_second_render_reuses_everything_sample_exact(tmp_path, voices):
    script = two_host_script(monologue_lines(6))
    first = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path, workers=1)
    second = synthesize_script(script, engine=OfflineEngine(), voices=voices, cache_dir=tmp_path, workers=1)
    assert (second.reused, second.synthesized) == (6, 0)
    assert _same_audio(first.audio, second.audio)
    assert len(TurnCache(tmp_path).entries()) == 6


def test_edit_one_turn_synthesizes_only_that_turn(tmp_path, voices):
    lines = monologue_lines(12)
    script = two_host_script(lines)
    before = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    script.chapters[1].turns[2].text = "我们换一句话来试试看，这一句是新写的"
    after = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert (after.synthesized, after.reused) == (1, 11)
    changed = 6 + 2
    for i, (a, b) in enumerate(zip(before.audio, after.audio, strict=True)):
        assert np.array_equal(a.samples, b.samples) == (i != changed)
    # Changing a host's voice re-renders exactly that host's turns.
    script.hosts[1].voice = "zh-male-1"  # same voice: nothing to do
    assert synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path).synthesized == 0
    script.hosts[1].voice = "zh-female-2"
    again = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert (again.synthesized, again.reused) == (6, 6)


def test_workers_do_not_change_the_audio(tmp_path, voices):
    script = two_host_script(monologue_lines(10), per_chapter=5)
    one = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path / "w1", workers=1)
    two = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path / "w2", workers=2)
    assert one.synthesized == two.synthesized == 10
    assert two.workers == 2
    assert _same_audio(one.audio, two.audio)


def test_isolation_is_what_makes_espeak_repeatable(tmp_path, voices):
    """eSpeak NG's output depends on what the process synthesized before (measured):
    without a fresh state per turn, the same script rendered twice in one process
    differs; with it (the default), it does not."""
    script = two_host_script(monologue_lines(6))
    runs = [
        synthesize_script(
            script,
            engine=OfflineEngine(),
            voices=voices,
            cache_dir=tmp_path / f"raw{i}",
            workers=1,
            isolate=False,
        )
        for i in range(2)
    ]
    assert not _same_audio(runs[0].audio, runs[1].audio)
    isolated = [
        synthesize_script(
            script, engine=OfflineEngine(), voices=voices, cache_dir=tmp_path / f"iso{i}", workers=1
        )
        for i in range(2)
    ]
    assert _same_audio(isolated[0].audio, isolated[1].audio)


def test_progress_events(tmp_path, voices):
    script = two_host_script(monologue_lines(6), per_chapter=3)
    events: list[ProgressEvent] = []
    synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path, progress=events.append)
    assert events[0].kind == "start" and events[-1].kind == "finish"
    turns = [e for e in events if e.kind == "turn"]
    assert [e.done for e in turns] == list(range(1, 7))
    assert all(e.total == 6 for e in events)
    assert all(e.status == "synthesized" for e in turns)
    assert sorted((e.chapter, e.turn) for e in turns) == [(c, t) for c in range(2) for t in range(3)]
    secs = [e.audio_seconds for e in turns]
    assert secs == sorted(secs) and secs[0] > 0
    assert events[-1].eta == 0.0 and events[-1].synthesized == 6
    # Re-render: every turn reported as reused.
    events.clear()
    synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path, progress=events.append)
    assert [e.status for e in events if e.kind == "turn"] == ["reused"] * 6
    assert events[-1].reused == 6 and events[-1].audio_seconds == pytest.approx(secs[-1])


def test_rich_progress_bar_and_quiet(tmp_path, voices):
    from rich.console import Console

    script = two_host_script(monologue_lines(4))
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, width=120)
    with make_rich_progress(console) as cb:
        synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path, progress=cb)
    text = buf.getvalue()
    assert "4/4 turns" in text and "min audio" in text and "ETA" in text
    quiet = io.StringIO()
    with make_rich_progress(Console(file=quiet), quiet=True) as cb:
        synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path, progress=cb)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("workers", [1, 2])
def test_engine_error_names_chapter_turn_and_text(tmp_path, voices, workers):
    lines = monologue_lines(8)
    script = two_host_script(lines, per_chapter=4)
    bad = lines[5]  # chapter 2, turn 2
    with pytest.raises(RenderError) as err:
        synthesize_script(
            script, engine=FailingEngine(bad[:6]), voices=voices, cache_dir=tmp_path, workers=workers
        )
    msg = str(err.value)
    assert "chapter 2" in msg and "turn 2" in msg and bad[:10] in msg and "--keep-going" in msg
    assert "refused to speak" in msg and "\n" not in msg
    # Turns before the failure were kept: a plain engine re-renders only the rest.
    cached = len(TurnCache(tmp_path).entries())
    assert cached >= 5 - workers
    out = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert out.reused == cached and out.synthesized == 8 - cached


def test_keep_going_renders_the_rest(tmp_path, voices):
    lines = monologue_lines(8)
    script = two_host_script(lines, per_chapter=4)
    bad = lines[2]
    out = synthesize_script(
        script, engine=FailingEngine(bad[:6]), voices=voices, cache_dir=tmp_path, keep_going=True
    )
    assert out.synthesized == 7 and len(out.failed) == 1
    f = out.failed[0]
    assert (f.chapter, f.turn, f.chapter_title, f.text) == (0, 2, "第1章", bad)
    assert "refused" in f.error
    assert out.audio[2].samples.size == 0 and all(a.samples.size for i, a in enumerate(out.audio) if i != 2)
    # Nothing lost: the next render (engine fixed) synthesizes the failed turn only.
    again = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert (again.reused, again.synthesized, again.failed) == (7, 1, [])


def test_invalid_voice_settings_and_unknown_voice(tmp_path, voices):
    import dataclasses

    script = two_host_script(monologue_lines(4))
    broken = dataclasses.replace(
        voices["zh-male-1"], name="zh-broken", engines={"offline": {"voice": "cmn", "rate": 9999}}
    )
    script.hosts[1].voice = "zh-broken"
    with pytest.raises(VoiceError, match="rate"):
        synthesize_script(
            script, engine="offline", voices={**voices, "zh-broken": broken}, cache_dir=tmp_path
        )
    script.hosts[1].voice = "nobody-9"
    with pytest.raises(VoiceError, match="nobody-9"):
        synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert TurnCache(tmp_path).entries() == []


def test_dry_run_plan(tmp_path, voices):
    lines = monologue_lines(12)
    script = two_host_script(lines)
    p = plan(script)
    assert [r.turns for r in p.rows] == [6, 6] and p.turns == 12
    # Characters are counted on the text as the engine gets it (numbers read out).
    assert p.characters == sum(len(c) for x in lines for c in prepare(x, "zh", 10_000))
    assert p.characters > sum(len(x) for x in lines)
    assert p.cached is None and 20 < p.seconds < 120
    text = p.format()
    assert "第1章" in text and "Total" in text and "Estimated audio" in text
    with_engine = plan(script, engine="offline", voices=voices, cache_dir=tmp_path / "c")
    assert with_engine.cached == 0 and not (tmp_path / "c").exists()  # a dry run writes nothing
    synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path / "c")
    script.chapters[0].turns[0].text = "新的一句话"
    after = plan(script, engine="offline", voices=voices, cache_dir=tmp_path / "c")
    assert after.cached == 11 and [r.cached for r in after.rows] == [5, 6]
    assert "11 of 12 turns are already rendered" in after.format()


def test_identical_turns_are_synthesized_once(tmp_path, voices):
    lines = monologue_lines(4)
    script = two_host_script([*lines, lines[0], lines[1]], per_chapter=3)
    out = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert (out.synthesized, out.reused) == (4, 2)
    assert np.array_equal(out.audio[0].samples, out.audio[4].samples)
    assert np.array_equal(out.audio[1].samples, out.audio[5].samples)
    assert not np.array_equal(out.audio[0].samples, out.audio[2].samples)


def test_persistent_workers_for_stateless_engines(tmp_path, voices, capfd):
    """Engines without per-turn isolation run in workers that keep them loaded;
    their prints do not disturb the workers' protocol, and turns stay in order."""
    script = two_host_script(monologue_lines(8), per_chapter=4)
    ref = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path / "ref")
    out = synthesize_script(script, engine=ChattyEngine(), voices=voices, cache_dir=tmp_path / "w", workers=2)
    assert out.workers == 2 and out.synthesized == 8 and not out.failed
    # eSpeak drifts by ~1% in a long-lived process, so compare lengths, not samples.
    for a, b in zip(ref.audio, out.audio, strict=True):
        assert abs(len(a.samples) - len(b.samples)) <= 0.03 * len(a.samples)
    assert "chatty engine says hello" in capfd.readouterr().err


def test_voicer_render_is_the_function_and_no_module_is_callable():
    """`voicer.render` is the public function; the stage is `voicer.synth`, so importing
    the stage never rebinds the name (the old package made itself callable to cope)."""
    import voicer
    import voicer.api
    import voicer.synth.runner  # noqa: F401

    assert voicer.render is voicer.api.render
    assert not callable(voicer.synth)


@pytest.mark.parametrize("stateless", [False, True])
def test_engine_crash_fails_one_turn_not_the_render(tmp_path, voices, stateless):
    lines = monologue_lines(6)
    script = two_host_script(lines)
    engine = CrashingEngine(lines[3][:6])
    if stateless:  # workers that keep the engine loaded, or (default) a forked child per turn
        engine.traits = replace(engine.traits, determinism="always")
    out = synthesize_script(
        script, engine=engine, voices=voices, cache_dir=tmp_path, workers=2, keep_going=True
    )
    assert [(f.chapter, f.turn) for f in out.failed] == [(0, 3)]
    assert "crashed" in out.failed[0].error or "died" in out.failed[0].error
    assert out.synthesized == 5 and all(a.samples.size for i, a in enumerate(out.audio) if i != 3)
