"""Render an episode from Python: transcript -> editable script -> MP3 with chapters.

Run from the repository root:  python examples/render_episode.py
"""

from pathlib import Path

import voicer

here = Path(__file__).parent
out = Path("out")

transcript = voicer.load_transcript(here / "mixed.zh.txt")
print(f"{len(transcript.segments)} segments, language {transcript.language}")

script = voicer.make_script(transcript, seed=1)
voicer.write_script(script, out / "mixed.md")  # edit it, then voicer.read_script(...)

result = voicer.render(script, out / "mixed.mp3", engine="auto", progress=None)
print(f"{result.path}: {result.timeline.duration / 60:.1f} min, {len(result.timeline.chapters)} chapters")
for chapter in result.timeline.chapters:
    print(f"  {chapter.start:7.1f}s  {chapter.title}")
