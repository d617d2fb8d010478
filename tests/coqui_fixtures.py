"""Build small Coqui VITS models with random weights, offline, for tests and benchmarks.

Import it as a plain module (pytest puts tests/ on sys.path): `import coqui_fixtures`.
The models go through Coqui's public loading path (`TTS(model_path=..., config_path=...)`)
exactly like a downloaded model; random weights give noise-like speech, which is enough
to test shapes, speakers, trimming and the engine plumbing.
"""

from __future__ import annotations

from pathlib import Path

# Speaker names of the built models (two distinct random speaker embeddings).
SPEAKERS = ("host_a", "host_b")

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
    ("zh-cn", "en", or "multi" for a zh-cn + en model).

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
        raise ValueError(f"language must be 'zh-cn', 'en' or 'multi', not {language!r}")
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
