"""Invites as links: `ceremony://join?invite=<the invite text>`.

The installers register the `ceremony` scheme (x-scheme-handler on Linux, the registry on Windows,
CFBundleURLTypes on macOS), so a crew clicks the link, or scans the QR code holding it, and the
venue app opens on its join screen with the invite filled in. The link is only a wrapper: the
invite inside is the same text a crew can paste.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

SCHEME = "ceremony"
JOIN = "join"


def invite_url(invite_text: str) -> str:
    """The link for an invite's text (line breaks from chat apps dropped)."""
    body = "".join(invite_text.split())
    return f"{SCHEME}://{JOIN}?invite={quote(body, safe=':')}"


def is_invite_link(text: str) -> bool:
    return text.strip().lower().startswith(f"{SCHEME}:")


def invite_from_link(text: str) -> str:
    """The invite text inside a ceremony://join link; any other text (a bare invite, or a link
    holding none, which parse_invite then refuses) is returned as it is."""
    if not is_invite_link(text):
        return text
    parts = urlsplit("".join(text.split()))
    host = parts.netloc or parts.path.strip("/")  # ceremony:join?… is accepted too
    values = parse_qs(parts.query).get("invite")
    if host.lower() != JOIN or not values:
        return text
    return values[0]
