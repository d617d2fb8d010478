"""voicer: re-voice transcripts as chaptered two-host podcast episodes.

import voicer
script = voicer.make_script(voicer.load_transcript("talk.txt"))
voicer.render(script, "episode.mp3")
"""

from voicer.api import (
    RenderResult,
    build_feed,
    doctor,
    list_voices,
    load_script,
    load_transcript,
    make_script,
    plan_render,
    read_script,
    render,
    write_script,
)
from voicer.errors import VoicerError
from voicer.language import Language, language
from voicer.model import Chapter, Host, Script, Segment, Timeline, Transcript, Turn, Voice
from voicer.synth.settings import RenderSettings

__version__ = "0.1.0"

__all__ = [
    "Chapter",
    "Host",
    "Language",
    "RenderSettings",
    "RenderResult",
    "Script",
    "Segment",
    "Timeline",
    "Transcript",
    "Turn",
    "Voice",
    "VoicerError",
    "build_feed",
    "doctor",
    "language",
    "list_voices",
    "load_script",
    "load_transcript",
    "make_script",
    "plan_render",
    "read_script",
    "render",
    "write_script",
]
