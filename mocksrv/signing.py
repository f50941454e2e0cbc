"""Stateless signatures: what mocksrv hands out and must recognise when a client sends it back.

Thinking-block signatures (Anthropic), thought signatures (Gemini) and other opaque tokens are
a keyed MAC over the content they vouch for. The key comes from the seed and the install's
secret, so every worker and every replica configured alike issues and accepts the same bytes
without shared state, and the same request + seed gives the same signature. A signature made
under another seed, by a real provider, or over edited content does not verify.

The secret is the admin token when one is set (shared by a deployment's replicas); otherwise a
constant: the point is catching clients that drop or edit what they were given, not secrecy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

DEFAULT_SECRET = b"mocksrv-signing-v1"
MAC_BYTES = 32


@dataclass(frozen=True)
class Signer:
    key: bytes

    def mac(self, purpose: str, content: bytes) -> bytes:
        """A MAC of `content` for one `purpose` (a signature for one use never fits another)."""
        return hmac.new(self.key, purpose.encode() + b"\0" + content, hashlib.sha256).digest()[:MAC_BYTES]

    def verify(self, purpose: str, content: bytes, mac: bytes) -> bool:
        return hmac.compare_digest(self.mac(purpose, content), mac)


def signer_for(seed: int, secret: str | None = None) -> Signer:
    base = hashlib.sha256(b"mocksrv-signing\0" + secret.encode()).digest() if secret else DEFAULT_SECRET
    return Signer(hmac.new(base, str(seed).encode(), hashlib.sha256).digest())


DEFAULT_SIGNER = signer_for(0)


def b64decode_any(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not (google-genai re-encodes bytes URL-safe)."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
