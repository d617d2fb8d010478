"""voicer batch on this machine (offline engine): a catalogue of three short transcripts,
resume by content hash, per-episode failures, the folder lock, the feed, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from voicer.batch import BatchError, BatchSettings, load_catalogue, run_batch
from voicer.batch.state import LOCK_NAME, STATE_NAME, FolderLock
from voicer.mix import MixSettings
from voicer.synth import RenderSettings

DATA = Path(__file__).parent / "data" / "batch"
NAMES = ["alpha.en", "beta.zh", "gamma.en"]
FEED = {"title": "Test Show", "base_url": "https://example.com/pod", "owner_email": "o@example.com"}


def _settings(tmp: Path, **kw: object) -> BatchSettings:
    render = RenderSettings(engine="offline", cache_dir=tmp / "cache", workers=2)
    return BatchSettings(render=render, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list, object]:
    """The three transcripts copied to a folder, rendered once with a feed."""
    tmp = tmp_path_factory.mktemp("batch")
    src = tmp / "talks"
    shutil.copytree(DATA, src)
    events: list = []
    report = run_batch(src, tmp / "out", _settings(tmp, feed=FEED), progress=events.append)
    return tmp, src, events, report


def test_every_episode_is_rendered_with_sidecars_and_feed(catalogue: tuple) -> None:
    tmp, _, _, report = catalogue
    out = tmp / "out"
    assert [(e.name, e.status) for e in report.episodes] == [(n, "done") for n in NAMES]
    for name in NAMES:
        for suffix in (".mp3", ".srt", ".vtt", ".chapters.json"):
            assert (out / f"{name}{suffix}").is_file(), name + suffix
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert sorted(int(e.itunes_episode) for e in parsed.entries) == [1, 2, 3]
    state = json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
    for name in NAMES:
        entry = state["episodes"][name]
        assert (
            entry["status"] == "done" and len(entry["input_hash"]) == 64 and len(entry["settings_hash"]) == 64
        )


def test_progress_reports_the_catalogue_and_each_episode(catalogue: tuple) -> None:
    _, _, events, _ = catalogue
    assert events[0].kind == "start" and events[-1].kind == "finish"
    assert [e.episodes_done for e in events if e.kind == "episode"] == [1, 2, 3]
    assert events[-1].episodes_total == 3 and events[-1].audio_seconds > 3
    turns = [e for e in events if e.kind == "turn"]
    assert {e.episode for e in turns} == set(NAMES)
    for name in NAMES:
        mine = [e for e in turns if e.episode == name]
        assert mine[-1].turns_done == mine[-1].turns_total == len(mine)
    assert any(e.eta is not None for e in turns)


def test_resume_skips_unchanged_episodes_and_redoes_edited_ones(catalogue: tuple) -> None:
    tmp, src, _, _ = catalogue
    out = tmp / "out"
    before = {n: (out / f"{n}.mp3").stat().st_mtime_ns for n in NAMES}
    again = run_batch(src, out, _settings(tmp))
    assert [e.status for e in again.episodes] == ["skipped"] * 3
    assert {n: (out / f"{n}.mp3").stat().st_mtime_ns for n in NAMES} == before
    # An edited input is rendered again, alone.
    (src / "beta.zh.txt").write_text("大家好。今天只说一句话。\n", encoding="utf-8")
    edited = run_batch(src, out, _settings(tmp))
    assert [e.status for e in edited.episodes] == ["skipped", "done", "skipped"]
    assert (out / "beta.zh.mp3").stat().st_mtime_ns != before["beta.zh"]
    indexed = run_batch(src, out, _settings(tmp, feed=FEED, index=True))
    assert indexed.count("skipped") == 3 and indexed.index == out / "index.html"
    page = indexed.index.read_text(encoding="utf-8")
    assert "feed.xml" in page and all(f"{n}.html" in page for n in NAMES)
    louder = run_batch(src, out, _settings(tmp, mix=MixSettings(lufs=-17.0)))  # a setting: all again
    assert [e.status for e in louder.episodes] == ["done"] * 3


def test_a_bad_row_fails_alone_with_one_sentence(tmp_path: Path) -> None:
    manifest = tmp_path / "list.csv"
    manifest.write_text(
        "input,title,episode,voices\n"
        f"{DATA / 'alpha.en.txt'},Alpha,1,\n"
        "missing.txt,Gone,2,\n"
        f'{DATA / "gamma.en.srt"},Gamma,3,"en-female-1,no-such-voice"\n'
        f"{DATA / 'gamma.en.srt'},Gamma again,x,\n",
        encoding="utf-8",
    )
    report = run_batch(manifest, tmp_path / "out", _settings(tmp_path))
    status = {e.name: (e.status, e.message) for e in report.episodes}
    assert status["alpha.en"] == ("done", None)
    assert status["missing"][0] == "failed" and "missing.txt" in status["missing"][1]
    assert status["gamma.en"][0] == "failed" and "no-such-voice" in status["gamma.en"][1]
    dup = [e for e in report.episodes if e.name.startswith("gamma.en~")]
    assert dup and dup[0].status == "failed" and "not a whole number" in dup[0].message
    for e in report.failed:
        assert "\n" not in e.message and "Traceback" not in e.message and e.message.endswith(".")
    assert (tmp_path / "out" / "alpha.en.mp3").is_file()
    assert not (tmp_path / "out" / "gamma.en.mp3").exists()


def test_toml_manifest_with_feed_options(tmp_path: Path) -> None:
    manifest = tmp_path / "show.toml"
    manifest.write_text(
        '[feed]\ntitle = "TOML Show"\nbase_url = "https://example.com/t"\nowner_email = "o@example.com"\n'
        f'[[episode]]\ninput = "{DATA / "alpha.en.txt"}"\ntitle = "First"\nepisode = 7\nout = "first.mp3"\n',
        encoding="utf-8",
    )
    cat = load_catalogue(manifest)
    assert [(e.name, e.title, e.episode) for e in cat.episodes] == [("first", "First", 7)]
    report = run_batch(cat, tmp_path / "out", _settings(tmp_path))
    assert report.count("done") == 1 and report.feed == tmp_path / "out" / "feed.xml"
    from mutagen.mp3 import MP3

    tags = MP3(str(tmp_path / "out" / "first.mp3")).tags
    assert str(tags["TIT2"]) == "First" and str(tags["TRCK"]).split("/")[0] == "7"


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out):
        with pytest.raises(BatchError, match="Another voicer batch is writing"):
            run_batch(DATA, out, _settings(tmp_path))
    assert not list(out.glob("*.mp3"))
    assert (out / LOCK_NAME).exists()


def test_feed_problems_stop_before_any_work(tmp_path: Path) -> None:
    from voicer.errors import ExportError

    with pytest.raises(ExportError, match="--email"):
        run_batch(
            DATA, tmp_path / "out", _settings(tmp_path, feed={"title": "T", "base_url": "https://e.com"})
        )
    assert not (tmp_path / "cache").exists() and not list((tmp_path / "out").glob("*.mp3"))


def test_outputs_never_overwrite_an_input(tmp_path: Path) -> None:
    """Rendering a folder into itself: gamma.en.srt's SRT sidecar would replace the input."""
    folder = tmp_path / "talks"
    shutil.copytree(DATA, folder)
    before = (folder / "gamma.en.srt").read_bytes()
    # Output folder = input folder; one episode per group (the next synthesized while one is mixed).
    report = run_batch(folder, folder, _settings(tmp_path, group_size=1))
    status = {e.name: e for e in report.episodes}
    assert status["gamma.en"].status == "failed" and "gamma.en.srt" in status["gamma.en"].message
    assert (folder / "gamma.en.srt").read_bytes() == before
    assert status["alpha.en"].status == "done" and (folder / "alpha.en.txt").is_file()
    assert status["beta.zh"].status == "done" and [e.name for e in report.episodes] == NAMES


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`voicer ARGS` through voicer.cli.main (the edge that turns errors into exit codes)."""
    from voicer.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(args)
    captured = capsys.readouterr()
    return int(exit_.value.code or 0), captured.out + captured.err


def test_cli_batch_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "out")
    args = [
        "batch",
        str(DATA),
        "-o",
        out,
        "--engine",
        "offline",
        "-q",
        "--cache-dir",
        str(tmp_path / "c"),
        "-j",
        "2",
    ]
    code, text = _main(args, capsys)
    assert code == 0, text
    assert "3 episodes: 3 rendered, 0 unchanged, 0 failed" in text
    code, text = _main(args, capsys)
    assert code == 0 and "0 rendered, 3 unchanged" in text
    with FolderLock(tmp_path / "out"):
        code, text = _main(args, capsys)
    assert code == 2 and "Another voicer batch is writing" in text and "Traceback" not in text
    code, text = _main(["batch", str(tmp_path / "nowhere.csv"), "-o", str(tmp_path / "o2")], capsys)
    assert code == 2 and "Cannot read the manifest" in text
    bad = tmp_path / "bad.csv"
    bad.write_text(f"input\n{DATA / 'alpha.en.txt'}\n{tmp_path / 'gone.txt'}\n", encoding="utf-8")
    code, text = _main(
        [
            "batch",
            str(bad),
            "-o",
            str(tmp_path / "o3"),
            "--engine",
            "offline",
            "-q",
            "--cache-dir",
            str(tmp_path / "c"),
        ],
        capsys,
    )
    assert code == 1 and "1 rendered" in text and "1 failed" in text and "gone.txt" in text
