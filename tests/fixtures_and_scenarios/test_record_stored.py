"""`mocksrv record` forwards stored-response calls but writes fixtures only for generation."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import openai
import rawhttp
from redis_support import free_port


def test_retrieving_a_stored_response_through_the_recorder_writes_no_fixture(server, tmp_path: Path):
    port, out = free_port(), tmp_path / "recorded"
    command = [sys.executable, "-m", "mocksrv", "record", "--upstream", f"{server.url}/openai"]
    command += ["--dialect", "openai", "--out", str(out), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                rawhttp.request("GET", f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/openai/v1", api_key="sk-rec", max_retries=0)
        made = client.responses.create(model="gpt-4o", input="Record me.")
        assert client.responses.retrieve(made.id).output_text == made.output_text
        assert client.responses.input_items.list(made.id).data[0].content[0].text == "Record me."
        # A fixture from a GET would match on the dialect alone: it would answer every prompt.
        assert len(list(out.glob("*.yaml"))) == 1
    finally:
        process.terminate()
        process.wait(10)
