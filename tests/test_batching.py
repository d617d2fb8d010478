"""Several chunks per forward pass (`EngineTraits.batch_size`, `synthesize_batch`): a
batched VITS sentence sounds as it does alone, a turn's chunks go to the engine in
groups, and renders and their cache do not depend on batching. Random-weight VITS
models from coqui_fixtures (offline)."""

from __future__ import annotations

import zlib

import coqui_fixtures
import numpy as np
import pytest
from helpers import MONOLOGUE

from voicer.engines import load_voices
from voicer.engines.base import EngineTraits, synthesize_chunks
from voicer.engines.coqui import CoquiEngine, default_batch_size
from voicer.engines.pool import TurnJob, speak_turn
from voicer.errors import EngineError
from voicer.model import Chapter, Host, Script, Turn
from voicer.synth import synthesize_script

# Largest difference allowed between a sentence batched and alone (float32 samples in
# [-1, 1]). Measured: at most 5e-8 on these models (the same arithmetic on padded
# tensors of other shapes rounds differently); the noise is the same, or it would be ~1.
TOLERANCE = 1e-6

EN_TEXTS = [
    "Welcome back to the show.",
    "Today we talk about open source models and why they matter. Then we take your questions.",
    "Hi.",
    "Meta gives Llama away, and that changes who can build on it.",
    "Short one.",
]


def zh_texts() -> list[str]:
    if not MONOLOGUE.is_file():
        pytest.skip(f"the shared transcripts are not here ({MONOLOGUE.parent})")
    rows = [r.strip() for r in MONOLOGUE.read_text(encoding="utf-8").splitlines() if r.strip()]
    return ["，".join(rows[i : i + 2]) + "。" for i in range(1, 9, 2)]


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch-models")
    presets = root / "presets"
    presets.mkdir()
    for code, lang in (("en", "en"), ("zh-cn", "zh"), ("multi", "zh")):
        mp, cp = coqui_fixtures.build_vits(root / code, code)
        text = coqui_fixtures.preset_toml(f"b-{code}", lang, mp, cp, "host_a")
        (presets / f"b-{code}.toml").write_text(text)
    return load_voices([presets])


@pytest.fixture(scope="module")
def engines():
    one, four = CoquiEngine(device="cpu", batch_size=1), CoquiEngine(device="cpu", batch_size=4)
    yield one, four
    one.close()
    four.close()


def assert_close(batched: np.ndarray, alone: np.ndarray) -> None:
    assert batched.shape == alone.shape
    assert float(np.max(np.abs(batched - alone), initial=0.0)) <= TOLERANCE


@pytest.mark.parametrize(("name", "language"), [("b-en", "en"), ("b-zh-cn", "zh"), ("b-multi", "zh")])
def test_batched_chunks_equal_each_chunk_alone(engines, voices, name, language):
    one, four = engines
    texts = EN_TEXTS if language == "en" else zh_texts()
    if name == "b-multi":  # Latin spans inside Chinese: pieces of two languages in one batch
        texts = [t + " Nvidia GPU。" for t in texts[:3]]
    alone = [one.synthesize(t, voices[name], language) for t in texts]
    batched = four.synthesize_batch(texts, voices[name], language)
    assert len(batched) == len(texts)
    for (b, rate_b), (a, rate_a) in zip(batched, alone, strict=True):
        assert rate_b == rate_a and a.size > rate_a // 10
        assert_close(b, a)
    # In another grouping (other neighbours, other padding) each text still sounds the same.
    regrouped = four.synthesize_batch(texts[::-1], voices[name], language)[::-1]
    for (b, _), (a, _) in zip(regrouped, alone, strict=True):
        assert_close(b, a)


def test_one_sentence_is_coquis_own_inference_and_padding_would_leak(voices, engines, monkeypatch):
    """The per-item noise reproduces Coqui's `Vits.inference` seeded by the text; without
    the zero frames after each item, the decoder would hear its neighbours' padding."""
    import torch

    from voicer.engines import vits_batch

    one, _ = engines
    one.synthesize("Hi.", voices["b-en"], "en")  # load
    model = next(iter(one._models.values())).synthesizer.tts_model
    items = one._vits_items(next(iter(one._models.values())), [(t, None) for t in EN_TEXTS], "b-en")
    sid = torch.tensor([model.speaker_manager.name_to_id["host_a"]])
    monkeypatch.setattr(vits_batch, "tail_frames", lambda decoder: 0)
    for item, text in zip(items, EN_TEXTS, strict=True):
        assert item.seed == zlib.crc32(text.encode())
        with torch.random.fork_rng():
            torch.manual_seed(item.seed)
            x = torch.tensor([item.ids])
            aux = {"x_lengths": torch.tensor([x.shape[1]]), "speaker_ids": sid}
            ref = model.inference(x, aux_input=aux)["model_outputs"][0, 0].numpy()
        np.testing.assert_array_equal(vits_batch.infer(model, [item], speaker_id=sid)[0], ref)
    alone = [vits_batch.infer(model, [it], speaker_id=sid)[0] for it in items]
    leaky = vits_batch.infer(model, items, speaker_id=sid)
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(alone, leaky, strict=True))
    assert worst > 1e-3  # so the tail frames in the engine are what makes batching exact


def test_a_turns_chunks_go_to_synthesize_batch_in_groups(engines, voices, monkeypatch):
    one, four = engines
    job = TurnJob(key="k", chunks=tuple(EN_TEXTS + EN_TEXTS[:2]), voice=voices["b-en"], language="en")
    calls: list[int] = []
    real = four.synthesize_batch

    def counting(texts, voice, language):
        calls.append(len(texts))
        return real(texts, voice, language)

    monkeypatch.setattr(four, "synthesize_batch", counting)
    monkeypatch.setattr(four, "synthesize", lambda *a: pytest.fail("a batching engine got one chunk"))
    batched, rate = speak_turn(four, job)
    assert calls == [4, 3]
    alone, rate_alone = speak_turn(one, job)
    assert rate == rate_alone
    assert_close(batched, alone)


class _Echo:
    """A tiny engine: a chunk's audio is its length in samples of 0.5."""

    name, device, note = "echo", "cpu", ""

    def __init__(self, batch_size: int, batching: bool = True, short_by: int = 0) -> None:
        self.traits = EngineTraits(sample_rate=100, batch_size=batch_size)
        self.single: list[str] = []
        self.batches: list[list[str]] = []
        self.short_by = short_by
        if not batching:
            self.synthesize_batch = None

    def synthesize(self, text, voice, language):
        self.single.append(text)
        return np.full(len(text), 0.5, np.float32), 100

    def synthesize_batch(self, texts, voice, language):
        self.batches.append(list(texts))
        return [(np.full(len(t), 0.5, np.float32), 100) for t in texts][: len(texts) - self.short_by]


def test_synthesize_chunks_batches_only_engines_that_can():
    chunks = ["a", "bb", "ccc", "dddd", "eeeee"]
    e = _Echo(batch_size=2)
    assert [len(s) for s, _ in synthesize_chunks(e, chunks, None, "en")] == [1, 2, 3, 4, 5]
    assert e.batches == [["a", "bb"], ["ccc", "dddd"], ["eeeee"]] and e.single == []
    plain = _Echo(batch_size=1)
    list(synthesize_chunks(plain, chunks, None, "en"))
    assert plain.single == chunks and plain.batches == []
    unable = _Echo(batch_size=8, batching=False)  # says it batches but has no synthesize_batch
    list(synthesize_chunks(unable, chunks, None, "en"))
    assert unable.single == chunks
    with pytest.raises(EngineError, match="returned 1 results for 2 chunks"):
        list(synthesize_chunks(_Echo(batch_size=2, short_by=1), chunks, None, "en"))


def test_render_and_cache_do_not_depend_on_batching(tmp_path, engines, voices):
    """A batched render equals an unbatched one, and either resumes from the other's cache."""
    one, four = engines
    texts = zh_texts()
    script = Script(
        "batching",
        "zh",
        [Host("A", "A", "b-zh-cn"), Host("B", "B", "b-zh-cn")],
        # Two chunks each at the Chinese 80-character limit, and a short one.
        [Chapter("c", [Turn("A", texts[0] + texts[1]), Turn("B", texts[2] + texts[3]), Turn("A", "好的。")])],
    )
    batched = synthesize_script(script, engine=four, voices=voices, cache_dir=tmp_path / "b")
    plain = synthesize_script(script, engine=one, voices=voices, cache_dir=tmp_path / "p")
    assert (batched.synthesized, plain.synthesized) == (3, 3)
    for b, p in zip(batched.audio, plain.audio, strict=True):
        assert b.sample_rate == p.sample_rate
        assert_close(b.samples, p.samples)
    resumed = synthesize_script(script, engine=one, voices=voices, cache_dir=tmp_path / "b")
    assert (resumed.synthesized, resumed.reused) == (0, 3)
    for r, b in zip(resumed.audio, batched.audio, strict=True):
        assert np.array_equal(r.samples, b.samples)


def test_batch_size_defaults_and_identity(engines, voices):
    one, _ = engines
    assert default_batch_size("cpu") == 1 and default_batch_size("mps") == 1
    assert default_batch_size("cuda") == 8 and default_batch_size("cuda:1") == 8
    assert default_batch_size("cpu", 3) == 3
    with pytest.raises(EngineError, match="batch size of 1 or more"):
        default_batch_size("cpu", 0)
    assert CoquiEngine(device="cpu").traits.batch_size == 1
    # The cache key says how voicer decodes VITS, but not the batch size.
    assert one.identity(voices["b-en"]) == CoquiEngine(device="cpu", batch_size=4).identity(voices["b-en"])
    assert "vits_decode" in one.identity(voices["b-en"])


def test_kokoro_onnx_graph_takes_one_item_so_kokoro_does_not_batch():
    """Kokoro-82M's ONNX export fixes the batch dimension at 1 (tokens [1, N], style
    [1, 256], speed [1], audio 1-D): batching it would need another export."""
    import onnxruntime as ort

    from voicer.engines.kokoro import KokoroEngine, packaged_model

    sess = ort.InferenceSession(str(packaged_model()[0]), providers=["CPUExecutionProvider"])
    shapes = {i.name: i.shape for i in sess.get_inputs()}
    assert shapes["tokens"][0] == 1 and shapes["style"] == [1, 256] and shapes["speed"] == [1]
    assert KokoroEngine.traits.batch_size == 1 and not hasattr(KokoroEngine, "synthesize_batch")
