"""Bad requests get HTTP 400 (413, 401, 404, 405) in each provider's own envelope, never 500/422."""

from __future__ import annotations

import json

import pytest
import rawhttp
from openai_family import FAMILY, FAMILY_IDS, Family

from mocksrv.schemas import SchemaRegistry

SCHEMAS = SchemaRegistry()
GOOD = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]}

# (case id, body, param the error must name); wrapped's envelope has no param.
BAD_BODIES = [
    ("missing-messages", {"model": "gpt-4o"}, "messages"),
    ("empty-messages", {"model": "gpt-4o", "messages": []}, "messages"),
    ("unknown-role", {**GOOD, "messages": [{"role": "robot", "content": "hi"}]}, "messages.[0].role"),
    ("temperature-5", {**GOOD, "temperature": 5}, "temperature"),
    ("model-not-string", {**GOOD, "model": 5}, "model"),
    ("stream-not-bool", {**GOOD, "stream": "yes"}, "stream"),
    ("missing-model", {"messages": GOOD["messages"]}, "model"),
]


def error_of(family: Family, response: rawhttp.RawResponse) -> dict:
    body = response.json()
    assert SCHEMAS.violations(f"{family.name}/error", body) == [], body
    if family.wrapped:
        assert body["success"] is False and body["code"] == str(response.status) and body["data"] is None
        return {"message": body["message"]}
    return body["error"]


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
@pytest.mark.parametrize(("case", "body", "param"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_schema_violations_are_400_naming_the_param(server, key, family, case, body, param):
    response = rawhttp.post(family.chat_url(server), json=body, headers=family.auth_headers(key))
    assert response.status == 400
    error = error_of(family, response)
    if not family.wrapped:
        assert error["param"] == param
        assert error["type"] == "invalid_request_error"
    assert param.split(".")[0] in error["message"] or case in ("unknown-role", "empty-messages")


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
@pytest.mark.parametrize(
    ("case", "data", "content_type"),
    [
        ("malformed-json", b'{"model": "gpt-4o", "messages": [', "application/json"),
        ("not-an-object", b'["model"]', "application/json"),
        ("invalid-utf8", b'{"model": "\xff\xfe"}', "application/json"),
        ("empty-body", b"", "application/json"),
        ("wrong-content-type", json.dumps(GOOD).encode(), "text/plain"),
        ("form-content-type", b"model=gpt-4o", "application/x-www-form-urlencoded"),
    ],
)
def test_unreadable_bodies_are_400(server, key, family, case, data, content_type):
    headers = {**family.auth_headers(key), "Content-Type": content_type}
    response = rawhttp.post(family.chat_url(server), data=data, headers=headers)
    assert response.status == 400
    assert error_of(family, response)["message"]


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_oversized_body_is_413_in_envelope(make_server, key, family):
    live = make_server(max_body_bytes=2048)
    big = {**GOOD, "messages": [{"role": "user", "content": "x" * 4096}]}
    response = rawhttp.post(family.chat_url(live), json=big, headers=family.auth_headers(key))
    assert response.status == 413
    assert "too large" in error_of(family, response)["message"]


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_missing_credential_is_401(server, family):
    response = rawhttp.post(family.chat_url(server), json=GOOD)
    assert response.status == 401
    error = error_of(family, response)
    if family.name in ("openai", "mountsea", "maisi"):
        assert error["message"].startswith("You didn't provide an API key.")
        assert error["code"] is None


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_empty_bearer_is_401(server, family):
    response = rawhttp.post(family.chat_url(server), json=GOOD, headers={"Authorization": "Bearer "})
    assert response.status == 401
    error_of(family, response)


def test_wuinai_ignores_bearer_and_needs_both_headers(server, key):
    url = server.base_url("wuinai") + "/chat/completions"
    assert rawhttp.post(url, json=GOOD, headers={"Authorization": f"Bearer {key}"}).status == 401
    assert rawhttp.post(url, json=GOOD, headers={"wuinai-access-key": key}).status == 401
    both = {"wuinai-access-key": key, "wuinai-access-token": "sig"}
    assert rawhttp.post(url, json=GOOD, headers=both).status == 200


def test_configured_keys_reject_others(make_server):
    live = make_server(api_keys=frozenset({"sk-good"}))
    url = live.base_url("openai") + "/chat/completions"
    bad = rawhttp.post(url, json=GOOD, headers={"Authorization": "Bearer sk-wrong-key-123456"})
    assert bad.status == 401
    assert bad.json()["error"]["code"] == "invalid_api_key"
    assert (
        "sk-" in bad.json()["error"]["message"]
        and "sk-wrong-key-123456" not in bad.json()["error"]["message"]
    )
    assert rawhttp.post(url, json=GOOD, headers={"Authorization": "Bearer sk-good"}).status == 200


@pytest.mark.parametrize("family", FAMILY, ids=FAMILY_IDS)
def test_unknown_path_and_wrong_method_use_the_envelope(server, key, family):
    base = server.base_url(family.name)
    missing = rawhttp.post(base + "/no/such/endpoint", json=GOOD, headers=family.auth_headers(key))
    assert missing.status == 404
    error_of(family, missing)
    wrong = rawhttp.request("DELETE", family.chat_url(server), headers=family.auth_headers(key))
    assert wrong.status == 405
    error_of(family, wrong)


def test_mountsea_tolerates_its_doc_placeholders(server, key):
    body = {
        **GOOD,
        "stop": {},
        "tool_choice": {},
        "response_format": {},
        "logit_bias": {},
        "tools": [{}],
        "temperature": 1,
        "max_tokens": 1000,
        "n": 1,
    }
    url = server.base_url("mountsea") + "/chat/completions"
    response = rawhttp.post(url, json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
    # The official dialect rejects the same placeholders.
    official = rawhttp.post(
        server.base_url("openai") + "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert official.status == 400


def test_wuinai_accepts_camel_case_fields(server, key):
    url = server.base_url("wuinai") + "/chat/completions"
    headers = {"wuinai-access-key": key, "wuinai-access-token": "sig"}
    body = {
        "model": "gpt-5.1",
        "messages": [{"role": "user", "content": "long text please"}],
        "maxTokens": 2,
        "topP": 1,
    }
    response = rawhttp.post(url, json=body, headers=headers)
    assert response.status == 200
    assert response.json()["choices"][0]["message"]["content"] == "One two"
    bad = rawhttp.post(url, json={**body, "topP": 7}, headers=headers)
    assert bad.status == 400 and bad.json()["error"]["param"] == "top_p"
