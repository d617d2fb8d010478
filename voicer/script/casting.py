"""Who speaks: hosts, their ids and voices.

Rules (documented in the report / README):
- Two labelled speakers: each is a host (id = name = the label) with its own voice,
  in order of first appearance: the first gets ``voices[0]``, the second ``voices[1]``.
- Narration (segments without a speaker) in a labelled transcript goes to a third
  host, the narrator (``hosts.narrator`` in the phrase bank: 主持人 / Host), voiced by
  the engines' narrator voice (`default_narrator`), which differs from both.
- One speaker or none: two invented hosts, lead and co-host (主持人甲/主持人乙,
  Alex/Sam), voiced by ``voices`` (default: `default_cast`).
- More than two speakers: every speaker, then the narrator, takes the next voice
  from the pool: the two cast voices, the narrator voice, then every other preset
  of the language in name order. When the pool is smaller than the number of
  speakers it starts over, so voices repeat only when there are more speakers
  than presets.
"""

from __future__ import annotations

from voicer.model import Host

from .data import bank, bank_language


def _defaults(language: str) -> tuple[tuple[str, str], str]:
    lang = bank_language(language)
    try:
        from voicer.engines import default_cast, default_narrator

        return default_cast(lang, "offline"), default_narrator(lang, "offline")
    except (ImportError, KeyError, OSError):
        # The engines' cast table is missing: fall back to the presets every install ships.
        return ((f"{lang}-female-1", f"{lang}-male-1"), f"{lang}-female-2")


def _other_presets(language: str) -> list[str]:
    try:
        from voicer.engines import load_voices

        return [v.name for v in load_voices().values() if v.language == bank_language(language)]
    except (ImportError, OSError):
        return []


def voice_pool(language: str, voices: tuple[str, str] | None, count: int) -> list[str]:
    """`count` voices: the two cast voices, the narrator voice, then other presets."""
    cast, narrator = _defaults(language)
    pool: list[str] = []
    for name in [*(voices or cast), narrator]:
        if name not in pool:
            pool.append(name)
    if count > len(pool):
        pool += [n for n in _other_presets(language) if n not in pool]
    return [pool[i % len(pool)] for i in range(count)]


def cast(
    speakers: list[str], has_narration: bool, language: str, voices: tuple[str, str] | None
) -> list[Host]:
    """Hosts for a transcript with these speaker labels (first-appearance order)."""
    names = bank(language)["hosts"]
    if len(speakers) < 2:
        ids = [names["lead"], names["co"]]
    else:
        ids = list(speakers)
        if has_narration:
            narrator = names["narrator"]
            while narrator in ids:  # a speaker already uses the narrator's name
                narrator += "'"
            ids.append(narrator)
    return [
        Host(id=i, name=i, voice=v) for i, v in zip(ids, voice_pool(language, voices, len(ids)), strict=True)
    ]
