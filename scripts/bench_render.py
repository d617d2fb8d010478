"""Benchmark the render stage with the offline engine on the real interview transcript.

Prints ratios measured in this run (no absolute targets):
  (a) full render vs re-render after editing one turn (cache reuse);
  (b) one worker vs all cores;
  (c) voicer's render time vs the bare engine calls for the same chunks (overhead).
Also prints the offline engine's speaking rate (words per second of audio), the
figure `voicer/data/languages.toml` ([rates.offline]) uses for dry-run estimates.

    python scripts/bench_render.py [--limit N] [--workers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

INTERVIEW = (
    Path(__file__).resolve().parents[2] / "shared" / "transcripts" / "huang-zuckerberg-interview.zh.md"
)


def build_script(limit: int | None):
    from voicer.ingest import load_transcript
    from voicer.script import make_script

    script = make_script(load_transcript(INTERVIEW))
    if limit is not None:
        kept = 0
        for chapter in script.chapters:
            chapter.turns = chapter.turns[: max(0, limit - kept)]
            kept += len(chapter.turns)
        script.chapters = [c for c in script.chapters if c.turns]
    return script


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="render only the first N turns")
    ap.add_argument("--repeat", type=int, default=1, help="renders per worker count (best kept)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="'all cores' worker count")
    args = ap.parse_args()

    from voicer.engines import get_engine, load_voices
    from voicer.engines.pool import SEED, run_isolated
    from voicer.model import word_count
    from voicer.synth import synthesize_script
    from voicer.synth.jobs import plan_jobs

    voices = load_voices()
    engine = get_engine("offline", voices=voices)
    script = build_script(args.limit)
    turns = script.turns()
    print(f"script: {len(script.chapters)} chapters, {len(turns)} turns, {args.workers} cores available")

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)

        # (c) the bare engine first, while this process is small (fork cost grows with
        # its memory): the same prepared chunks, one process, no cache, no workers.
        jobs, _ = plan_jobs(script, engine, voices)
        chunks = [(job.chunks, job.voice) for job in jobs if job is not None]
        t = time.perf_counter()
        for parts, voice in chunks:
            for chunk in parts:
                engine.synthesize(chunk, voice, script.language)
        t_bare = time.perf_counter() - t
        # The same calls, each turn in a fresh fork with a fixed seed (what render does
        # for eSpeak so the audio is repeatable): the price of determinism alone.
        t = time.perf_counter()
        for parts, voice in chunks:

            def one_turn(parts=parts, voice=voice) -> None:
                engine.seed(SEED)
                for chunk in parts:
                    engine.synthesize(chunk, voice, script.language)

            run_isolated(one_turn)
        t_forked = time.perf_counter() - t
        # (b) and the full render of (a): fresh caches, 1 worker and all cores,
        # alternated `--repeat` times (best time kept: neighbours share these cores).
        t_one = t_all = float("inf")
        for r in range(args.repeat):
            t = time.perf_counter()
            one = synthesize_script(
                script, engine=engine, voices=voices, cache_dir=tmp_path / f"w1-{r}", workers=1
            )
            t_one = min(t_one, time.perf_counter() - t)
            t = time.perf_counter()
            full = synthesize_script(
                script, engine=engine, voices=voices, cache_dir=tmp_path / f"all-{r}", workers=args.workers
            )
            t_all = min(t_all, time.perf_counter() - t)
            audio_s = full.audio_seconds
            one_summary = one.summary()
            del one, full  # keep this process small
        cache_all = tmp_path / "all-0"
        print(f"full render, 1 worker:        {t_one:7.2f} s  ({one_summary})")
        print(f"full render, {args.workers} workers:       {t_all:7.2f} s  ({audio_s / 60:.1f} min of audio)")

        # (a) edit one turn in the middle, re-render against the warm cache.
        ci, ti, turn = turns[len(turns) // 2]
        script.chapters[ci].turns[ti].text = turn.text + "（这一句改过了）"
        t = time.perf_counter()
        edited = synthesize_script(
            script, engine=engine, voices=voices, cache_dir=cache_all, workers=args.workers
        )
        t_edit = time.perf_counter() - t
        script.chapters[ci].turns[ti].text = turn.text
        print(
            f"re-render after 1 edit:       {t_edit:7.2f} s  "
            f"({edited.reused} reused, {edited.synthesized} new)"
        )
        t = time.perf_counter()
        synthesize_script(script, engine=engine, voices=voices, cache_dir=cache_all)
        t_noop = time.perf_counter() - t
        print(f"re-render, nothing changed:   {t_noop:7.2f} s")

        print(f"bare engine calls:            {t_bare:7.2f} s")
        print(f"bare calls, fork per turn:    {t_forked:7.2f} s")

    words = sum(word_count(" ".join(parts)) for parts, _ in chunks)
    print()
    print("ratios (same run):")
    print(f"  (a) full render / re-render after one edit: {t_all / t_edit:6.1f}x")
    print(f"      full render / re-render, no change:     {t_all / t_noop:6.1f}x")
    print(f"  (b) 1 worker / {args.workers} workers:                  {t_one / t_all:6.2f}x")
    print(f"  (c) voicer 1 worker / bare engine calls:    {t_one / t_bare:6.2f}x (overhead)")
    print(f"      voicer {args.workers} workers / bare engine calls:   {t_all / t_bare:6.2f}x")
    print(f"      fork per turn / bare engine calls:      {t_forked / t_bare:6.2f}x")
    print(f"  real-time factor (all workers): {t_all / audio_s:.4f} (render seconds per audio second)")
    print(f"  offline speaking rate: {words / audio_s:.2f} words/s ({words} words, {audio_s:.0f} s)")


if __name__ == "__main__":
    main()
