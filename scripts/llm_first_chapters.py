"""The LLM writer on the first chapters of the shared transcripts, against a server you run.

    python -m llama_cpp.server --model MODEL.gguf --model_alias gemma3-270m --n_ctx 2048 &
    python scripts/llm_first_chapters.py --llm-url http://127.0.0.1:8080/v1 --llm-model gemma3-270m

Prints, per transcript, the script of the first chapters as the LLM writer made them,
which writer each chapter ended with (fallback counts), and the seconds per chapter,
against the rules writer's time for the same transcript (the baseline, same run).
The answer cache is a fresh temporary folder unless --cache-dir is given.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path

from voicer.ingest import load_transcript
from voicer.model import Script
from voicer.script import format_script, make_script
from voicer.script.llm import LLMSettings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "transcripts"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llm-url", required=True)
    ap.add_argument("--llm-model", required=True)
    ap.add_argument("--llm-mode", default="grounded", choices=["grounded", "free"])
    ap.add_argument("--llm-context", type=int, default=2048)
    ap.add_argument("--chapters", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path)
    ap.add_argument("transcripts", nargs="*", type=Path, default=sorted(SHARED.glob("*.*")))
    args = ap.parse_args()
    cache = args.cache_dir or Path(tempfile.mkdtemp(prefix="voicer-llm-"))
    counts: collections.Counter[str] = collections.Counter()
    for path in args.transcripts:
        transcript = load_transcript(path)
        t0 = time.monotonic()
        make_script(transcript)
        rules_s = time.monotonic() - t0
        settings = LLMSettings(
            url=args.llm_url,
            model=args.llm_model,
            mode=args.llm_mode,
            context=args.llm_context,
            cache_dir=cache,
            chapters=args.chapters,
        )
        lines: list[str] = []
        t0 = time.monotonic()
        script = make_script(transcript, writer="llm", llm=settings, progress=lines.append)
        llm_s = time.monotonic() - t0
        first = Script(
            script.title, script.language, script.hosts, script.chapters[: args.chapters], script.meta
        )
        print(f"=== {path.name} ({args.llm_mode}) ===")
        print(format_script(first))
        for line in lines:
            print("  " + line)
        for chapter in first.chapters:
            head = next((n for n in chapter.notes if n.startswith("LLM writer:")), "")
            used = "rules" if "rules writer" in head else "free" if "free mode" in head else "grounded"
            counts[used] += 1
        ratio = llm_s / rules_s
        print(f"  rules writer, whole transcript: {rules_s:.1f} s; LLM writer: {llm_s:.1f} s ({ratio:.0f}x)")
    print("chapters by writer:", dict(counts))


if __name__ == "__main__":
    main()
