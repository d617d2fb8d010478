"""Several texts through a Coqui VITS model in one forward pass, each with the audio it
gets alone.

Coqui's `Vits.inference` takes a padded batch (`x_lengths`), but two things make a
batched item differ from the same text run alone, and both are handled here:

- noise: the stochastic duration predictor and the prior sample `torch.randn` over the
  whole batch. Here each item draws its own noise from its own seed, in the order and
  shapes a batch of one draws it (duration noise [1, 2, T_text] from the CPU generator,
  then the prior's [1, C, T_frames] from the device's), so a piece's noise does not
  depend on what it is batched with;
- the waveform decoder (HiFi-GAN) is not masked: near the end of an item its
  convolutions see the neighbouring padding, not the tensor's edge. Every item, alone
  or batched, is therefore decoded with at least `tail_frames(decoder)` frames of zero
  latent after it (more than the decoder's receptive field reaches), so no sample of
  the item depends on how much padding follows.

The text encoder, the duration predictor's convolutions and the flow are masked in
Coqui's code. Measured on random-weight models (tiny and Coqui's default size, CPU,
float32): batched items equal the same item alone to within 6e-8 (the same arithmetic
on tensors of other shapes rounds differently; tests/test_batching.py allows 1e-6). A
batch of one with no tail frames is Coqui's own `inference` sample for sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class VitsItem:
    """One text to speak: its token ids, language id (None: the model has none) and seed."""

    ids: tuple[int, ...]
    language_id: int | None
    seed: int


def is_plain_vits(tts: Any) -> bool:
    """A Coqui `TTS` whose model is a VITS without a separate vocoder (what `infer` runs)."""
    synth = getattr(tts, "synthesizer", None)
    model = getattr(synth, "tts_model", None)
    return type(model).__name__ == "Vits" and getattr(synth, "vocoder_model", None) is None


def tail_frames(decoder: Any) -> int:
    """Frames of latent a HiFi-GAN decoder's output samples reach beyond their own frame
    (its receptive field, one side), rounded up, plus one for the transposed
    convolutions' rounding."""
    import torch

    def reach(module: Any) -> float:  # samples one side, at the module's own rate
        return sum(
            (m.kernel_size[0] - 1) * m.dilation[0] / 2
            for m in module.modules()
            if isinstance(m, torch.nn.Conv1d)
        )

    frames = reach(decoder.conv_pre)
    scale = 1
    kernels = int(decoder.num_kernels)
    for i, up in enumerate(decoder.ups):
        frames += math.ceil(up.kernel_size[0] / up.stride[0]) / scale
        scale *= int(up.stride[0])
        blocks = decoder.resblocks[i * kernels : (i + 1) * kernels]
        frames += max(reach(b) for b in blocks) / scale
    frames += reach(decoder.conv_post) / scale
    return math.ceil(frames) + 1


def _item_noise(model: Any, items: list[VitsItem], device: Any) -> list[Any]:
    """Each item's duration noise [1, 2, T_text], drawn from its own CPU generator (the
    generator, positioned after the draw, is returned with it for the prior's noise)."""
    import torch

    out = []
    for item in items:
        gen = torch.Generator().manual_seed(item.seed)
        noise = torch.randn(1, 2, len(item.ids), generator=gen)
        out.append((noise.to(device) * model.inference_noise_scale_dp, gen))
    return out


def _prior_noise(like: Any, seed: int, cpu_gen: Any) -> Any:
    """The prior's noise for one item: what `randn_like(m_p)` gives after the duration
    noise in a process seeded with `seed` (CPU: the same generator goes on; CUDA: the
    device's own generator, seeded the same). `like` is the item's slice of the prior
    mean: Coqui's is a transposed view, and `randn_like` fills it in memory order, so the
    noise is drawn into a tensor of the same layout."""
    import torch

    gen = cpu_gen
    if like.device.type != "cpu":
        gen = torch.Generator(device=like.device).manual_seed(seed)
    return torch.empty_like(like).normal_(generator=gen)


def _durations(model: Any, x: Any, x_mask: Any, g: Any, lang_emb: Any, noise: Any) -> Any:
    """log durations [B, 1, T_text] (Coqui's `StochasticDurationPredictor` reverse pass,
    with the noise given rather than drawn)."""
    dp = model.duration_predictor
    g_dp = g if model.args.condition_dp_on_speaker else None
    if not model.args.use_sdp:
        return dp(x, x_mask, g=g_dp, lang_emb=lang_emb)
    h = dp.pre(x)
    if g_dp is not None:
        h = h + dp.cond(g_dp)
    if lang_emb is not None:
        h = h + dp.cond_lang(lang_emb)
    h = dp.proj(dp.convs(h, x_mask)) * x_mask
    import torch

    flows = list(reversed(dp.flows))
    flows = flows[:-2] + [flows[-1]]  # as Coqui: the unused vflow is skipped
    z = noise.to(dtype=h.dtype)
    for flow in flows:
        z = torch.flip(z, [1])
        z = flow(z, x_mask, g=h, reverse=True)
    return z[:, :1]


def infer(
    model: Any, items: list[VitsItem], *, speaker_id: Any = None, d_vector: Any = None
) -> list[np.ndarray]:
    """The decoder's waveform of each item (float32, before Coqui's post-processing)."""
    import torch
    from TTS.tts.utils.helpers import generate_path, sequence_mask

    device = next(model.parameters()).device
    n = len(items)
    lengths = [len(it.ids) for it in items]
    x = torch.zeros(n, max(lengths), dtype=torch.long, device=device)
    for i, it in enumerate(items):
        x[i, : lengths[i]] = torch.as_tensor(it.ids, dtype=torch.long)
    x_lengths = torch.as_tensor(lengths, device=device)
    with torch.inference_mode():
        aux: dict[str, Any] = {
            "speaker_ids": None if speaker_id is None else speaker_id.reshape(-1).expand(n),
            "d_vectors": None if d_vector is None else d_vector.reshape(1, -1).expand(n, -1),
        }
        g = model._get_speaker_conditioning(aux, "emb_g", normalize_embedding=False)
        lang_emb = None
        if model.args.use_language_embedding and items[0].language_id is not None:
            lid = torch.as_tensor([it.language_id for it in items], device=device)
            lang_emb = model.emb_l(lid).unsqueeze(-1)
        x, m_p, logs_p, x_mask = model.text_encoder(x, x_lengths, lang_emb=lang_emb)
        drawn = _item_noise(model, items, device)
        dur_noise = torch.zeros(n, 2, x.shape[2], device=device)
        for i, (noise, _) in enumerate(drawn):
            dur_noise[i, :, : lengths[i]] = noise[0]
        logw = _durations(model, x, x_mask, g, lang_emb, dur_noise)
        w_ceil = torch.ceil(torch.exp(logw) * x_mask * model.length_scale)
        y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
        y_mask = sequence_mask(y_lengths, None).to(x_mask.dtype).unsqueeze(1)
        attn = generate_path(w_ceil.squeeze(1), (x_mask * y_mask.transpose(1, 2)).squeeze(1).transpose(1, 2))
        m_p = torch.matmul(attn.transpose(1, 2), m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(attn.transpose(1, 2), logs_p.transpose(1, 2)).transpose(1, 2)
        eps = torch.zeros_like(m_p)
        for i, (it, (_, gen)) in enumerate(zip(items, drawn, strict=True)):
            t = int(y_lengths[i])
            eps[i, :, :t] = _prior_noise(m_p[i : i + 1, :, :t], it.seed, gen)[0]
        z = model.flow(m_p + eps * torch.exp(logs_p) * model.inference_noise_scale, y_mask, g=g, reverse=True)
        z, _, _, y_mask = model.upsampling_z(z, y_lengths=y_lengths, y_mask=y_mask)
        return _decode(model, z, y_mask, g)


def _decode(model: Any, z: Any, y_mask: Any, g: Any) -> list[np.ndarray]:
    """Decode every item with at least `tail_frames` zero frames after it."""
    import torch

    frames = y_mask.sum(dim=(1, 2)).long().tolist()
    if model.max_inference_len is not None:
        frames = [min(f, int(model.max_inference_len)) for f in frames]
    width = max(frames) + tail_frames(model.waveform_decoder)
    z = z * y_mask
    if z.shape[2] >= width:
        z = z[:, :, :width].clone()
    else:
        z = torch.nn.functional.pad(z, (0, width - z.shape[2]))
    for i, f in enumerate(frames):
        z[i, :, f:] = 0
    o = model.waveform_decoder(z, g=g)
    hop = o.shape[-1] // width
    wavs = o[:, 0].float().cpu().numpy()
    return [np.ascontiguousarray(wavs[i, : f * hop], dtype=np.float32) for i, f in enumerate(frames)]
