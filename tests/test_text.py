"""voicer.text: chunking, spans, lexicons and the shared transcripts end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from voicer.errors import InputError
from voicer.text import chunk, language_spans, load_lexicon, normalize, prepare

SHARED = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
MONOLOGUE = SHARED / "dafei-monologue.zh.txt"
INTERVIEW = SHARED / "huang-zuckerberg-interview.zh.md"

ZH_NUMERALS = set("零〇一二三四五六七八九十百千万亿两幺点负")
EN_NUMBER_WORDS = set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fifteen twenty "
    "thirty forty fifty sixty seventy eighty ninety hundred thousand million billion point and".split()
)
MARKDOWN_LEFTOVERS = re.compile(r"[*#_`\[\]|]|https?:|\]\(|!\[|={3,}|-{3,}")


def paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


# ------------------------------------------------------------ transcripts


@pytest.mark.parametrize("path", [MONOLOGUE, INTERVIEW], ids=["monologue", "interview"])
def test_transcript_paragraphs_leave_no_digits_or_markdown(path: Path) -> None:
    paras = paragraphs(path)
    assert len(paras) >= 1
    for para in paras:
        out = normalize(para, "zh")
        assert not re.search(r"[0-9]", out), (para[:80], out[:200])
        assert not MARKDOWN_LEFTOVERS.search(out), (para[:80], out[:200])
        assert "笑）" not in out and "被打断" not in out


def test_interview_keeps_latin_words_and_reads_numbers() -> None:
    out = normalize(INTERVIEW.read_text(encoding="utf-8"), "zh")
    source = INTERVIEW.read_text(encoding="utf-8")
    # Words stay words, as often as the spoken text has them (links/images aside).
    for word in ("Instagram", "PyTorch", "Facebook", "WhatsApp", "Omniverse", "Ray-Ban"):
        assert out.count(word) >= 1 and out.count(word) <= source.count(word)
    assert "G P U" in out and "G P T 四" in out and "四百零五 B" in out
    assert "六十万块H 一百" in out and "Llama 三点一" in out
    assert "mp.weixin" not in out and "cubox.pro" not in out


def test_monologue_lines_become_clauses() -> None:
    lines = [line for line in MONOLOGUE.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = normalize("\n".join(lines[:5]), "zh")
    # Unpunctuated subtitle lines are joined with a pause, not run together.
    assert out.count("，") >= 4
    assert "\n" not in out


# ------------------------------------------------------------------ chunk


def _boundaries_ok(text: str, chunks: list[str], lang: str) -> None:
    """Every cut falls between words: never inside a Latin word, a number reading or a
    spelled acronym."""
    pos = 0
    ends = []
    for c in chunks:
        start = text.index(c, pos)
        ends.append((start, start + len(c)))
        pos = start + len(c)
    for i in range(len(chunks) - 1):
        left, right = chunks[i], chunks[i + 1]
        end, start = ends[i][1], ends[i + 1][0]
        a, b = left[-1], right[0]
        spaced = start > end
        assert spaced or not (a.isascii() and a.isalnum() and b.isascii() and b.isalnum()), (left, right)
        if lang == "zh":
            assert not (a in ZH_NUMERALS and b in ZH_NUMERALS), (left, right)
        else:
            wa, wb = left.split()[-1].strip(",.").lower(), right.split()[0].strip(",.").lower()
            assert not (wa.split("-")[0] in EN_NUMBER_WORDS and wb.split("-")[0] in EN_NUMBER_WORDS)
        assert not (re.search(r"(?:^|\s)[A-Z]$", left) and re.match(r"[A-Z](?:\s|$)", right)), (left, right)


@pytest.mark.parametrize("max_chars", [12, 30, 82])
def test_chunks_of_interview_fit_and_join_back(max_chars: int) -> None:
    for para in paragraphs(INTERVIEW)[:40]:
        text = normalize(para, "zh")
        chunks = chunk(text, max_chars, "zh")
        assert all(c.strip() for c in chunks)
        assert re.sub(r"\s+", "", "".join(chunks)) == re.sub(r"\s+", "", text)
        for c in chunks:
            # Only an unsplittable run (one Latin name with its number) may exceed the limit.
            assert len(c) <= max_chars or " " in c or re.fullmatch(r"[A-Za-z\-]+", c), c
        _boundaries_ok(text, chunks, "zh")


def test_chunk_prefers_sentence_boundaries() -> None:
    text = "第一句话说完了。第二句话也说完了。第三句，有一个逗号。"
    assert chunk(text, 18, "zh") == ["第一句话说完了。第二句话也说完了。", "第三句，有一个逗号。"]
    assert chunk(text, 82, "zh") == [text]
    # a clause too long for max is cut at a comma before a word boundary
    assert chunk("甲乙丙丁戊己，庚辛壬癸子丑。", 8, "zh") == ["甲乙丙丁戊己，", "庚辛壬癸子丑。"]


def test_chunk_zh_without_punctuation_cuts_between_words() -> None:
    text = normalize("Meta会在年底前采购大约35万块英伟达H100 GPU来训练新一代的Llama模型", "zh")
    chunks = chunk(text, 16, "zh")
    assert len(chunks) > 1 and all(len(c) <= 16 for c in chunks)
    assert any("三十五万" in c for c in chunks)  # the number reading stays whole
    assert any("H 一百 G P U" in c for c in chunks)  # so does the name with its number
    _boundaries_ok(text, chunks, "zh")


def test_chunk_en_keeps_number_readings_whole() -> None:
    text = normalize(
        "Meta bought 350,000 H100 GPUs in 2024, at about $25,000 each; the total came to "
        "8,750,000,000 dollars. The 405B model runs on 16,384 GPUs.",
        "en",
    )
    for max_chars in (25, 40, 60, 250):
        chunks = chunk(text, max_chars, "en")
        assert " ".join(chunks).split() == text.split()
        _boundaries_ok(text, chunks, "en")
    assert chunk(text, 250, "en") == [
        "Meta bought three hundred and fifty thousand H one hundred G P U's in "
        "twenty twenty-four, at about twenty-five thousand dollars each; the total "
        "came to eight billion seven hundred and fifty million dollars.",
        "The four hundred and five B model runs on sixteen thousand three hundred and eighty-four G P U's.",
    ]


def test_chunk_edge_cases() -> None:
    assert chunk("", 82, "zh") == []
    assert chunk("   ", 82, "en") == []
    assert chunk("好。", 82, "zh") == ["好。"]
    # punctuation never makes a chunk of its own
    assert all(re.search(r"\w", c) for c in chunk("一二三四五。。。！！", 5, "zh"))
    with pytest.raises(ValueError):
        chunk("text", 0, "en")
    # the default limit comes from the engine table
    long = "这是一个句子，" * 30
    assert all(len(c) <= 82 for c in chunk(long, None, "zh"))


# ------------------------------------------------------------------ prepare


def test_prepare_normalizes_then_chunks() -> None:
    text = "**黄仁勋：** 我们前20分钟做得还不错[笑]，但一谈及封闭平台，我就生气。（笑）" * 3
    chunks = prepare(text, "zh", 40)
    assert chunks and all(len(c) <= 40 for c in chunks)
    joined = "".join(chunks)
    assert "二十分钟" in joined and "笑" not in joined and "*" not in joined
    assert prepare("[笑]（笑）", "zh", 82) == []
    assert prepare("Hello there, 42 times.", "mixed", 82) == prepare("Hello there, 42 times.", "zh", 82)


def test_unknown_language_is_a_user_error() -> None:
    with pytest.raises(InputError, match="zh"):
        normalize("bonjour", "fr")


# ------------------------------------------------------------------ spans


def test_spans_cover_the_text_in_order() -> None:
    text = normalize("Meta会在年底前采购大约35万块英伟达H100 GPU", "zh")
    spans = language_spans(text, "zh")
    assert "".join(s for s, _ in spans) == text
    assert spans == [
        ("Meta", "en"),
        ("会在年底前采购大约三十五万块英伟达", "zh"),
        ("H ", "en"),
        ("一百 ", "zh"),
        ("G P U", "en"),
    ]


def test_spans_for_english_with_chinese_and_digits() -> None:
    spans = language_spans("We met 老黄 at SIGGRAPH 2024, and H100s.", "en")
    assert spans == [("We met ", "en"), ("老黄 ", "zh"), ("at SIGGRAPH 2024, and H100s.", "en")]
    assert language_spans("，。", "zh") == [("，。", "zh")]
    assert language_spans("", "en") == []
    # alternating runs never produce two neighbours in the same language
    spans = language_spans(normalize(INTERVIEW.read_text(encoding="utf-8"), "zh"), "zh")
    assert all(a[1] != b[1] for a, b in zip(spans, spans[1:], strict=False))
    assert all(re.search(r"[A-Za-z\u4e00-\u9fff]", s) for s, _ in spans)


# ---------------------------------------------------------------- lexicon


def test_bundled_lexicon_is_applied_by_default() -> None:
    lex = load_lexicon()
    assert "SIGGRAPH" in lex.readings("zh") and "NVLink" in lex.readings("en")
    assert normalize("NVLink很关键", "zh") == "N V Link很关键"  # readings are normalized too
    assert normalize("We use NVLink.", "en") == "We use N V Link."


def test_user_lexicon_overrides_bundled(tmp_path: Path) -> None:
    user = tmp_path / "episode.toml"
    user.write_text(
        '[zh]\n"老黄" = "黄仁勋"\n"SIGGRAPH" = "西格拉夫"\n\n'
        '[all]\n"Zuck" = "Mark"\n[en]\n"GPT-4" = "G P T four o"\n',
        encoding="utf-8",
    )
    lex = load_lexicon([user])
    assert lex.sources[-1] == str(user)
    assert normalize("老黄在SIGGRAPH上见了Zuck", "zh", lex) == "黄仁勋在西格拉夫上见了Mark"
    assert normalize("老黄在SIGGRAPH上见了Zuck", "zh") == "老黄在Siggraph上见了Zuck"
    assert normalize("Zuck likes GPT-4", "en", lex) == "Mark likes G P T four o"
    # Latin entries match whole words only
    assert normalize("SIGGRAPHX", "zh", lex) == "Siggraphx"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('[zh\n"a" = "b"', "not valid TOML"),
        ('[fr]\n"a" = "b"', "[zh]"),
        ('[zh]\n"a" = 3', "quoted reading"),
    ],
)
def test_broken_user_lexicon_names_the_file(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_lexicon([bad])
    assert str(bad) in str(err.value) and needle in str(err.value)


def test_missing_user_lexicon_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(InputError, match="nope.toml"):
        load_lexicon([missing])


# ------------------------------------------------------------- light import


def test_import_stays_light() -> None:
    code = (
        "import sys, voicer.text as t; t.language_spans('Meta的', 'zh'); "
        "heavy = [m for m in ('cn2an', 'jieba', 'num2words', 'torch', 'numpy') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
