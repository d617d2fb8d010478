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

from dataclasses import replace

from voicer.model import Host, Voice
from voicer.presets import default_cast, default_narrator, get_voice, load_voices

from .data import bank, bank_language


def _defaults(language: str) -> tuple[tuple[str, str], str]:
    lang = bank_language(language)
    return default_cast(lang, "offline"), default_narrator(lang, "offline")


def voice_pool(
    language: str, voices: tuple[str, str] | None, count: int, presets: dict[str, Voice] | None = None
) -> list[str]:
    """`count` voices: the two cast voices, the narrator voice, then other presets
    (`presets`: every preset by name, default the bundled and $VOICER_VOICES_DIR ones)."""
    cast, narrator = _defaults(language)
    if voices is not None:
        presets = load_voices() if presets is None else presets
        for name in voices:
            get_voice(name, presets)  # the one check and message for an unknown voice
    pool: list[str] = []
    for name in [*(voices or cast), narrator]:
        if name not in pool:
            pool.append(name)
    if count > len(pool):
        presets = load_voices() if presets is None else presets
        lang = bank_language(language)
        pool += [v.name for v in presets.values() if v.language == lang and v.name not in pool]
    return [pool[i % len(pool)] for i in range(count)]


def cast(
    speakers: list[str],
    has_narration: bool,
    language: str,
    voices: tuple[str, str] | None,
    presets: dict[str, Voice] | None = None,
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
        Host(id=i, name=i, voice=v)
        for i, v in zip(ids, voice_pool(language, voices, len(ids), presets), strict=True)
    ]


def name_gender(name: str, language: str) -> str:
    """"male", "female" or "" (no guess) for a host's name, from the phrase bank's lists."""
    table = bank(language)["names"]
    if bank_language(language) == "en":
        first = name.split()[0] if name.split() else ""
        return "male" if first in table["male"] else "female" if first in table["female"] else ""
    given = name[1:] if len(name) == 3 else name
    m = sum(c in table["male"] for c in given)
    f = sum(c in table["female"] for c in given)
    return "male" if m > f else "female" if f > m else ""


def suit_lead(
    hosts: list[Host],
    language: str,
    chosen: tuple[str, str] | None,
    presets: dict[str, Voice] | None = None,
) -> list[Host]:
    """`hosts` with the lead's and co-host's voices swapped when the lead's name (大飞, "Dana")
    suggests the gender of the co-host's voice rather than its own; never when the voices were
    `chosen` by the user. Genders come from `presets`, the ones the hosts were cast from
    (default: bundled and $VOICER_VOICES_DIR)."""
    if len(hosts) < 2 or chosen is not None:
        return hosts
    wanted = name_gender(hosts[0].name, language)
    presets = presets if presets is not None else load_voices()
    genders = [presets[h.voice].gender if h.voice in presets else "" for h in hosts[:2]]
    if not wanted or genders[0] == wanted or genders[1] != wanted:
        return hosts
    return [replace(hosts[0], voice=hosts[1].voice), replace(hosts[1], voice=hosts[0].voice), *hosts[2:]]
