"""The preview page in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright.

The player loads the MP3 from the file beside the page; clicking the third chapter seeks
the audio element to that chapter's start; the transcript highlights the cue playing at
that time; markup in titles and turns never runs. A screenshot is kept as a test artifact
in ``tmp/pytest-artifacts/`` (or ``$VOICER_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from preview_fixtures import INJECTED, TITLE, render_episode

from voicer.preview import write_page
from voicer.preview.episode import load_episode

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a sandboxless CI container; never `playwright install` (nothing is downloaded).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_browser() -> None:
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed (pip install playwright)"
    if CHROMIUM is None:
        missing = "no chromium browser on PATH (apt install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {missing}")
        pytest.skip(missing)


def _artifacts() -> Path:
    folder = Path(os.environ.get("VOICER_TEST_ARTIFACTS") or REPO / "tmp" / "pytest-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a Playwright page
    _require_browser()
    from playwright.sync_api import sync_playwright

    audio = render_episode(tmp_path_factory.mktemp("browser"))
    page_file = write_page(audio)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1300})
        events: dict[str, list[str]] = {"dialogs": [], "errors": [], "requests": []}
        page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: events["errors"].append(str(e)))
        page.on("request", lambda r: events["requests"].append(r.url))
        page.goto(page_file.as_uri())
        page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=20000)
        yield page, audio, events
        browser.close()


def test_player_loads_the_mp3(browser_page) -> None:  # noqa: ANN001
    page, audio, events = browser_page
    duration = page.evaluate("document.getElementById('player').duration")
    assert abs(duration - load_episode(audio).duration) < 0.2
    assert events["errors"] == []
    # Everything the page loaded is a file beside it: no server, no network, no CDN.
    assert events["requests"] and all(u.startswith("file://") for u in events["requests"])


def test_third_chapter_click_seeks_and_highlights_the_cue(browser_page) -> None:  # noqa: ANN001
    page, audio, _ = browser_page
    ep = load_episode(audio)
    third = ep.chapters[2]
    page.locator("#chapters button").nth(2).click()
    now = page.evaluate("document.getElementById('player').currentTime")
    assert abs(now - third.start) < 0.05, (now, third)
    active = page.locator(".cue.active")
    assert active.count() == 1
    start, end = float(active.get_attribute("data-start")), float(active.get_attribute("data-end"))
    assert start <= now + 0.05 < end + 0.05
    expected = next(c for c in ep.cues if c.start <= now + 0.05 < c.end)
    assert expected.text in active.inner_text()
    assert page.locator("#chapters li.active").inner_text().endswith(third.title)
    page.screenshot(path=str(_artifacts() / "preview-third-chapter.png"), full_page=True)


def test_clicking_a_transcript_line_seeks_to_it(browser_page) -> None:  # noqa: ANN001
    page, audio, _ = browser_page
    cue = load_episode(audio).cues[-1]
    page.locator(".cue").last.click()
    now = page.evaluate("document.getElementById('player').currentTime")
    assert abs(now - cue.start) < 0.05
    assert page.locator(".cue.active").inner_text().endswith(cue.text)


def test_markup_in_titles_and_turns_is_shown_never_run(browser_page) -> None:  # noqa: ANN001
    page, _, events = browser_page
    assert events["dialogs"] == []
    assert page.locator("h1").inner_text() == TITLE
    assert page.title() == TITLE
    assert INJECTED in page.locator("#transcript").inner_text()
    assert page.locator("#transcript img").count() == 0
    assert page.locator("script").count() == 1


def test_clicking_the_picture_seeks_to_that_time(browser_page) -> None:  # noqa: ANN001
    page, audio, _ = browser_page
    target = load_episode(audio).chapters[3].start + 1.0
    picture = page.locator("#picture")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    x0, x1, duration = (float(picture.get_attribute(a)) for a in ("data-x0", "data-x1", "data-duration"))
    x = (x0 + (x1 - x0) * target / duration) * box["width"]
    picture.click(position={"x": x, "y": box["height"] / 2})
    now = page.evaluate("document.getElementById('player').currentTime")
    assert abs(now - target) < 0.1, (now, target)
