"""The inspector links a chained request to the entry that stored the response it continued."""

from __future__ import annotations

import uuid

import openai
from test_ui_browser import browser, page  # noqa: F401 (the page fixture and what it needs)


def test_a_chained_request_links_to_its_predecessor(page):  # noqa: F811
    live, tab, expect = page
    sdk = openai.OpenAI(base_url=live.base_url(), api_key=f"sk-ui-{uuid.uuid4().hex[:8]}", max_retries=0)
    first = sdk.responses.create(model="gpt-4o", input="First turn.")
    sdk.responses.create(model="gpt-4o", input="Second turn.", previous_response_id=first.id)
    rows = tab.locator("#rows tr")
    expect(rows).to_have_count(2)
    rows.first.click()  # newest on top: the chained request
    link = tab.locator(f'#summary button[data-continues="{first.id}"]')
    expect(link).to_be_visible()
    link.click()
    expect(tab.locator("#req-body")).to_contain_text("First turn.")
    expect(tab.locator("#summary")).to_contain_text(f"stored as{first.id}")
