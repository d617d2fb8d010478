"""Build small Coqui VITS models with random weights, offline, for tests and benchmarks.

Import it as a plain module (pytest puts tests/ on sys.path): `import coqui_fixtures`.
The models go through Coqui's public loading path (`TTS(model_path=..., config_path=...)`)
exactly like a downloaded model; random weights give noise-like speech, which is enough
to test shapes, speakers, trimming and the engine plumbing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# Speaker names of the built models (two distinct random speaker embeddings).
SPEAKERS = ("host_a", "host_b")

# Text settings of Coqui's published VCTK VITS (tts_models/en/vctk/vits, the en-vctk-*
# presets): eSpeak phonemes of the "en" voice (Coqui maps it to en-us) after English cleaners.
VCTK_TEXT = {"phonemizer": "espeak", "phoneme_language": "en", "text_cleaner": "english_cleaners"}

# Width/depth of the networks: "tiny" for unit tests (~1-2 M params, fast),
# "default" is Coqui's own VITS size (~40 M params) for the benchmark.
_TINY = {
    "hidden_channels": 64,
    "hidden_channels_ffn_text_encoder": 128,
    "num_layers_text_encoder": 2,
    "num_layers_posterior_encoder": 2,
    "num_layers_flow": 2,
    "upsample_initial_channel_decoder": 64,
    "resblock_kernel_sizes_decoder": [3],
    "resblock_dilation_sizes_decoder": [[1, 3, 5]],
    "speaker_embedding_channels": 32,
    # Random duration predictors make long outputs; shorter audio keeps tests fast.
    "length_scale": 0.5,
}


def build_vits(
    out_dir: str | Path,
    language: str,
    *,
    speakers: tuple[str, ...] = SPEAKERS,
    size: str = "tiny",
    seed: int = 0,
) -> tuple[Path, Path]:
    """Write model.pth + config.json of a random-weight VITS for `language`
    ("zh-cn", "en" (gruut), "en-vctk" (the text settings of Coqui's published VCTK VITS:
    the `espeak` phonemizer), or "multi" for a zh-cn + en model).

    Returns (model_path, config_path); an existing build in `out_dir` is reused."""
    out = Path(out_dir)
    model_path, config_path = out / "model.pth", out / "config.json"
    if model_path.is_file() and config_path.is_file():
        return model_path, config_path
    out.mkdir(parents=True, exist_ok=True)

    import torch
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs
    from TTS.tts.utils.text.characters import _phonemes, _punctuations

    args = VitsArgs(use_speaker_embedding=len(speakers) > 1, init_discriminator=False)
    if size == "tiny":
        for k, v in _TINY.items():
            setattr(args, k, v)
    elif size != "default":
        raise ValueError(f"size must be 'tiny' or 'default', not {size!r}")
    # Tone digits (zh phonemizer), the tie bar (gruut affricates) and CJK punctuation
    # must be in the symbol set, else they are silently dropped.
    characters = CharactersConfig(
        characters_class="TTS.tts.utils.text.characters.IPAPhonemes",
        pad="<PAD>",
        eos="<EOS>",
        bos="<BOS>",
        blank="<BLNK>",
        characters=_phonemes + "12345\u0361",
        punctuations=_punctuations + "，。！？、：；",
        phonemes=None,
        is_unique=False,
        is_sorted=True,
    )
    if language == "zh-cn":
        text = {"phonemizer": "zh_cn_phonemizer", "phoneme_language": "zh-cn"}
        text["text_cleaner"] = "chinese_mandarin_cleaners"
    elif language == "en":
        text = {"phonemizer": "gruut", "phoneme_language": "en-us", "text_cleaner": "phoneme_cleaners"}
    elif language == "en-vctk":
        text = dict(VCTK_TEXT)  # the published tts_models/en/vctk/vits settings
        from voicer.engines.coqui_espeak import install_library_backend

        install_library_backend()  # as the engine does: no espeak program needed
    elif language == "multi":
        # zh-cn + en in one model (like XTTS): one phonemizer per dataset language.
        from TTS.config.shared_configs import BaseDatasetConfig

        args.use_language_embedding = True
        text = {
            "phonemizer": "multi_phonemizer",
            "text_cleaner": "multilingual_phoneme_cleaners",
            "datasets": [
                BaseDatasetConfig(language="zh-cn", phonemizer="zh_cn_phonemizer"),
                BaseDatasetConfig(language="en", phonemizer="gruut"),
            ],
        }
    else:
        raise ValueError(f"language must be 'zh-cn', 'en', 'en-vctk' or 'multi', not {language!r}")
    config = VitsConfig(
        model_args=args,
        use_phonemes=True,
        characters=characters,
        add_blank=True,
        speakers=list(speakers) if len(speakers) > 1 else [],
        **text,
    )
    config.audio.do_trim_silence = False  # random weights: nothing to trim, keep lengths honest
    torch.manual_seed(seed)
    model = Vits(config)
    if hasattr(model, "emb_g"):
        # Random N(0,1) speaker embeddings barely move an untrained network: spread them
        # so the two speakers are clearly different voices, as trained ones are.
        with torch.no_grad():
            model.emb_g.weight.mul_(8.0)
    torch.save({"model": model.state_dict()}, model_path)
    config.save_json(str(config_path))
    return model_path, config_path


def preset_toml(name: str, language: str, model_path: Path, config_path: Path, speaker: str | None) -> str:
    """A voice preset (TOML text) pointing the coqui engine at a local model."""
    lines = [
        f'name = "{name}"',
        f'language = "{language}"',
        'licence = "test model, random weights"',
        "[engines.coqui]",
        f'model_path = "{model_path.as_posix()}"',
        f'config_path = "{config_path.as_posix()}"',
    ]
    if speaker is not None:
        lines.append(f'speaker = "{speaker}"')
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ XTTS v2

# Symbols XTTS's text cleaners emit for en and zh-cn (pinyin with tone digits 1-5) and
# the punctuation that survives them; anything else would become [UNK].
_XTTS_SPECIALS = ["[STOP]", "[UNK]", "[SPACE]", "[START]", "[en]", "[zh-cn]"]
_XTTS_SYMBOLS = "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-:;\"()，。！？、：；"
# A random GPT never emits its stop token: every generation runs to this limit. 6 gives
# 3 audio codes (~0.14 s of audio), so one call takes a fraction of a second on a CPU.
XTTS_TEST_AUDIO_TOKENS = 6
# (layers, width, heads) of the GPT: "real" is xtts_v2's.
_XTTS_GPT = {"tiny": (1, 64, 2), "real": (30, 1024, 16)}


def build_xtts(
    out_dir: str | Path,
    *,
    speakers: tuple[str, ...] = SPEAKERS,
    max_audio_tokens: int = XTTS_TEST_AUDIO_TOKENS,
    seed: int = 0,
    gpt: str = "tiny",
) -> Path:
    """Write a random-weight XTTS v2 model folder laid out like the downloaded xtts_v2
    (model.pth, config.json, vocab.json, speakers_xtts.pth with studio speakers) and
    return the folder; an existing build in `out_dir` is reused.

    `gpt="tiny"` (1 layer, width 64: tests) or "real" (xtts_v2's 30 layers, width 1024:
    benchmarks). The HiFi-GAN decoder and the speaker encoder always have their real size
    (XTTS has no config for them), so decoding costs what it does for the real model.
    Conditioning as in xtts_v2: perceiver resampler, 32 latents."""
    out = Path(out_dir)
    files = [out / n for n in ("model.pth", "config.json", "vocab.json", "speakers_xtts.pth")]
    if all(f.is_file() for f in files):
        return out
    out.mkdir(parents=True, exist_ok=True)

    import json

    import torch
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Split
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.models.xtts import Xtts

    vocab = {t: i for i, t in enumerate(_XTTS_SPECIALS + list(dict.fromkeys(_XTTS_SYMBOLS)))}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Split("", "isolated")  # one token per character
    tokenizer.add_special_tokens(_XTTS_SPECIALS)
    tokenizer.save(str(out / "vocab.json"))

    config = XttsConfig()
    config.languages = ["en", "zh-cn"]
    args = config.model_args
    args.tokenizer_file = str(out / "vocab.json")
    if gpt not in _XTTS_GPT:
        raise ValueError(f"gpt must be one of {', '.join(_XTTS_GPT)}, not {gpt!r}")
    args.gpt_layers, args.gpt_n_model_channels, args.gpt_n_heads = _XTTS_GPT[gpt]
    args.decoder_input_dim = args.gpt_n_model_channels  # must equal the GPT width
    args.gpt_number_text_tokens = len(vocab)
    args.gpt_start_text_token, args.gpt_stop_text_token = vocab["[START]"], vocab["[STOP]"]
    args.gpt_max_audio_tokens = max_audio_tokens
    # As in the published xtts_v2 config.
    args.gpt_use_perceiver_resampler = True
    args.gpt_num_audio_tokens, args.gpt_start_audio_token, args.gpt_stop_audio_token = 1026, 1024, 1025
    torch.manual_seed(seed)
    model = Xtts(config)
    model.init_models()
    torch.save({"model": model.state_dict()}, out / "model.pth")
    # The downloaded config finds vocab.json beside model.pth, not by an absolute path.
    args.tokenizer_file = ""
    (out / "config.json").write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
    g = torch.Generator().manual_seed(seed + 1)
    studio = {
        name: {
            "gpt_cond_latent": torch.randn(1, 32, args.gpt_n_model_channels, generator=g),
            "speaker_embedding": torch.randn(1, args.d_vector_dim, 1, generator=g),
        }
        for name in speakers
    }
    torch.save(studio, out / "speakers_xtts.pth")
    return out


def xtts_preset_toml(
    name: str,
    language: str,
    model_dir: Path,
    *,
    speaker: str | None = None,
    reference_wav: Path | None = None,
    extra: str = "",
) -> str:
    """A voice preset (TOML text) pointing the coqui engine at a local XTTS folder, the
    way a downloaded xtts_v2 is laid out (model.pth + config.json side by side)."""
    lines = [
        f'name = "{name}"',
        f'language = "{language}"',
        'licence = "test model, random weights"',
        "[engines.coqui]",
        f'model_path = "{(model_dir / "model.pth").as_posix()}"',
        f'config_path = "{(model_dir / "config.json").as_posix()}"',
        f'language = "{"zh-cn" if language == "zh" else "en"}"',
    ]
    if speaker is not None:
        lines.append(f'speaker = "{speaker}"')
    if reference_wav is not None:
        lines.append(f'reference_wav = "{reference_wav.as_posix()}"')
    return "\n".join(lines) + "\n" + extra


def speech_like_wav(path: Path, seconds: float = 8.0, rate: int = 22050, seed: int = 0) -> Path:
    """A reference recording for cloning tests: voiced harmonics with a syllable-rate
    envelope and pauses (not silence, not a pure tone)."""
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) * (np.sin(2 * np.pi * 0.3 * t) > -0.6)
    audio = 0.3 * voiced * envelope + 0.005 * rng.standard_normal(len(t))
    sf.write(path, (audio / np.abs(audio).max() * 0.6).astype(np.float32), rate)
    return path


def one_torch_thread() -> Iterator[None]:
    """One intra-op torch thread while a module's tests run (then the old count again):
    on a shared 2-core runner, torch's thread barriers cost 10x. Use it as
    `one_torch_thread = pytest.fixture(scope="module", autouse=True)(coqui_fixtures.one_torch_thread)`."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
