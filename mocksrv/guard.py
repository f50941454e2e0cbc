"""What keeps web pages off the control API: Host, Origin and content-type checks for /_mock/.

A page the developer visits can send requests to a loopback server. Three rules stop it:
- `Host` must name this server (loopback names, the bound --host, --allowed-host entries), so a
  DNS-rebinding page (evil.example resolving to 127.0.0.1) reads nothing;
- a request that carries an `Origin` must come from the server's own origin;
- POST and PUT must be `application/json`, which a browser sends cross-origin only after a CORS
  preflight this server never grants (DELETE and PUT are preflighted by their method already).
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})
ANY_HOST = "*"  # --allowed-host '*': no Host check (a server reached under names it cannot know)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def host_name(authority: str) -> str:
    """`Host` header -> lower-case name without port or IPv6 brackets ("[::1]:80" -> "::1")."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1 : authority.find("]")] if "]" in authority else ""
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


def allowed_names(bind_host: str, extra: tuple[str, ...]) -> frozenset[str]:
    """The names under which this server may be addressed. The port is not compared: a
    container's published port differs from the bound one, and rebinding needs a foreign *name*."""
    names = set(LOOPBACK_NAMES) | {host_name(h) for h in extra}
    if bind_host not in WILDCARD_BINDS:
        names.add(host_name(bind_host))
    return frozenset(names)


def host_allowed(host: str | None, names: frozenset[str]) -> bool:
    """No Host at all is an HTTP/1.0 tool, never a browser (browsers always send one)."""
    return host is None or ANY_HOST in names or host_name(host) in names


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """No Origin (curl, SDKs, same-origin GET) or the page's own origin; "null" is foreign."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and host is not None and parts.netloc.lower() == host.lower()


def json_required(method: str, content_type: str) -> bool:
    """True when this request would change state without being a non-simple (JSON) request."""
    return method in BODY_METHODS and content_type != "application/json"
