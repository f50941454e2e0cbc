"""`reasoning.encrypted_content`: a reasoning item's text, sealed so mocksrv knows it when sent back.

Stateless clients (`store: false`) carry reasoning across turns by sending the item back with
its `encrypted_content`. The token is the text plus a MAC (signing.py: keyed by --seed and the
install's secret), so any worker or replica accepts what another issued and nothing is looked
up. It is signed, not secret: tests need recognition, not confidentiality. A token that was
edited, made under another seed, or issued by a real provider does not open.
"""

from __future__ import annotations

import base64

from ...signing import Signer, b64decode_any

PURPOSE = "responses.reasoning"
MAX_TOKEN_CHARS = 1_000_000  # bounded like any input: larger is not ours


def seal(signer: Signer, text: str) -> str:
    content = text.encode()
    return base64.b64encode(signer.mac(PURPOSE, content) + content).decode()


def unseal(signer: Signer, token: object) -> str | None:
    """The reasoning text, or None when the token is not one this install issued."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        return None
    raw = b64decode_any(token)
    if raw is None or len(raw) < 32:
        return None
    mac, content = raw[:32], raw[32:]
    if not signer.verify(PURPOSE, content, mac):
        return None
    try:
        return content.decode()
    except UnicodeDecodeError:
        return None
