"""`mocksrv init [DIR]`: a starter fixtures folder that passes `mocksrv validate`."""

from __future__ import annotations

from pathlib import Path

from .resources import SCHEMAS_DIR

CHAT = """\
fixtures:
  # Answers any dialect's chat request whose last user message contains "hello".
  - id: hello
    match:
      last_user: {contains: hello}
    reply:
      content: "Hello from mocksrv! Edit {folder}/chat.yaml to change me."

  # A tool call: the model asks for get_weather when the request offers that tool...
  - id: weather-call
    match:
      tool: get_weather
      tool_result: false
    reply:
      tool_calls:
        - name: get_weather
          arguments: {city: Paris}

  # ...and answers once the tool's result comes back.
  - id: weather-answer
    match:
      tool: get_weather
      tool_result: true
    reply:
      content: "It is sunny in Paris."

  # A sequence: each call of a session gets the next reply.
  - id: countdown
    match:
      last_user: {contains: countdown}
    replies:
      - content: "three"
      - content: "two"
      - content: "one"
"""

SCENARIOS = """\
scenarios:
  # Select with the X-Mock-Scenario header, `mocksrv serve --scenario first-call-limited`,
  # or the inspector's scenario switch.
  - name: first-call-limited
    steps:
      - {error: rate_limit, retry_after: 1}
      - ok
"""

FILES = {"chat.yaml": ("fixture.schema.json", CHAT), "scenarios.yaml": ("scenario.schema.json", SCENARIOS)}


def schema_line(schema: str) -> str:
    """What editors with the YAML language server read for completion and checking."""
    return f"# yaml-language-server: $schema={(SCHEMAS_DIR / schema).resolve().as_uri()}\n"


def write_starter(folder: Path) -> list[Path]:
    """Write the starter files; refuses to overwrite any file that exists."""
    targets = [folder / name for name in FILES]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise FileExistsError(", ".join(existing))
    folder.mkdir(parents=True, exist_ok=True)
    for target in targets:
        schema, text = FILES[target.name]
        target.write_text(schema_line(schema) + text.replace("{folder}", str(folder)), encoding="utf-8")
    return targets


def next_steps(folder: Path) -> str:
    return "\n".join(
        [
            f"wrote {folder}/chat.yaml and {folder}/scenarios.yaml; next:",
            f"  mocksrv validate {folder}",
            f"  mocksrv serve --watch --fixtures {folder}      # edits apply on save",
            "  curl -s http://127.0.0.1:8080/openai/v1/chat/completions \\",
            "    -H 'Authorization: Bearer sk-test' \\",
            "    -H 'Content-Type: application/json' \\",
            '    -d \'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}\'',
            "  open http://127.0.0.1:8080/_mock/ui              # the inspector",
        ]
    )
