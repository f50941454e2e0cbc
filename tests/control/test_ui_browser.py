"""The inspector page in a real headless browser (Debian's chromium, driven by Playwright).

Playwright's own browser download is never used: the test launches /usr/bin/chromium. When that
is missing it tries `apt-get install chromium` (as root), and skips, saying why, only if that fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import openai
import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TOKEN = "ui-token"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=600, check=True)
        except (subprocess.SubprocessError, OSError):
            return None
    return shutil.which("chromium")


def import_playwright():
    try:
        from playwright import sync_api
    except ImportError:
        install = [sys.executable, "-m", "pip", "install", "-q", "playwright>=1.40"]
        if subprocess.run(install, capture_output=True, timeout=600).returncode != 0:
            pytest.skip("the playwright package is not installed and could not be installed")
        from playwright import sync_api
    return sync_api


@pytest.fixture(scope="module")
def browser() -> Iterator:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no chromium: /usr/bin/chromium is missing and `apt-get install chromium` failed")
    sync_api = import_playwright()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, make_server):
    live = make_server(admin_token=TOKEN)
    context = browser.new_context(viewport={"width": 1366, "height": 768})  # a laptop screen
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.goto(f"{live.url}/_mock/ui?token={TOKEN}")
    from playwright.sync_api import expect

    expect(opened.locator("#conn")).to_have_text("live")
    yield live, opened, expect
    context.close()
    assert errors == []


def client(live, session: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=live.base_url(),
        api_key="sk-ui",
        max_retries=0,
        default_headers={"X-Mock-Session": session},
    )


def test_rows_appear_live_and_the_detail_shows_the_bodies(page):
    live, tab, expect = page
    session = f"ui-{uuid.uuid4().hex[:8]}"
    rows = tab.locator("#rows tr")
    expect(rows).to_have_count(0)
    question = f"What does the page show? {session}"
    sdk = client(live, session)
    sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    expect(rows).to_have_count(1)  # pushed: the page was never reloaded
    expect(rows.first).to_contain_text("/openai/v1/chat/completions")
    expect(rows.first.locator(".status")).to_have_text("200")
    list(
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True)
    )
    expect(rows).to_have_count(2)

    rows.nth(1).click()  # the first request: newest rows are on top
    detail = tab.locator("#detail")
    expect(detail).to_be_visible()
    expect(tab.locator("#req-body")).to_contain_text(question)
    expect(tab.locator("#req-headers")).to_contain_text("[redacted]")
    expect(tab.locator("#response")).to_contain_text('"object": "chat.completion"')

    rows.first.focus()  # keyboard: Enter opens the streamed one, with its event timeline
    tab.keyboard.press("Enter")
    expect(tab.locator("#resp-title")).to_have_text("Response stream")
    expect(tab.locator("#response .events li").last).to_contain_text("[DONE]")
    assert tab.locator("#response .events .tick").count() >= 3
    tab.keyboard.press("Escape")
    expect(detail).to_be_hidden()


def test_filters(page):
    live, tab, expect = page
    sdk = client(live, "filter-a")
    sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello!"}])
    bad = client(live, "filter-b").with_options(default_headers={"X-Mock-Scenario": "err-rate_limit"})
    with pytest.raises(openai.RateLimitError):
        bad.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello!"}])
    rows = tab.locator("#rows tr")
    expect(rows).to_have_count(2)
    tab.select_option("#f-status", "4xx")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".status")).to_have_text("429")
    tab.select_option("#f-status", "")
    tab.fill("#f-session", "filter-a")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".status")).to_have_text("200")
    tab.fill("#f-session", "")
    tab.select_option("#f-dialect", "openai")
    expect(rows).to_have_count(2)


def test_switching_the_scenario_changes_the_next_answer_and_reset_clears(page):
    live, tab, expect = page
    sdk = client(live, f"ui-{uuid.uuid4().hex[:8]}")
    hello = [{"role": "user", "content": "Hello!"}]
    sdk.chat.completions.create(model="gpt-4o", messages=hello)
    tab.select_option("#scenario", "err-overloaded")
    expect(tab.locator("#scenario-note")).to_have_text("active: err-overloaded")
    with pytest.raises(openai.InternalServerError):
        sdk.chat.completions.create(model="gpt-4o", messages=hello)
    rows = tab.locator("#rows tr")
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".status")).to_have_text("503")
    expect(rows.first).to_contain_text("err-overloaded")

    tab.click("#reset")
    expect(rows).to_have_count(0)
    expect(tab.locator("#scenario")).to_have_value("")  # a reset also ends the switch
    sdk.chat.completions.create(model="gpt-4o", messages=hello)  # answered normally again
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".status")).to_have_text("200")


def test_history_is_shown_on_load_and_the_page_is_self_contained(browser, make_server):
    live = make_server()
    client(live, "history").chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )
    context = browser.new_context()
    tab = context.new_page()
    outside: list[str] = []
    tab.on("request", lambda r: None if r.url.startswith(live.url) else outside.append(r.url))
    tab.goto(f"{live.url}/_mock/ui")
    from playwright.sync_api import expect

    expect(tab.locator("#rows tr")).to_have_count(1)
    expect(tab.locator("#conn")).to_have_text("live")
    assert outside == []  # no CDN, no fonts from elsewhere: works offline
    context.close()
