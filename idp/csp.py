"""Content-Security-Policy of our pages: nothing from elsewhere, no framing, and forms that
may only lead here, or to the client an answer is meant for.

Browsers apply ``form-action`` to every redirect that follows a form post: a sign-in form whose
answer redirects to the client must list the client's origin, or the browser stops there.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def policy(*form_targets: str) -> str:
    """The policy for a page whose forms may end at the origins of ``form_targets``."""
    origins = " ".join(sorted({origin(target) for target in form_targets if origin(target)}))
    form_action = f"'self' {origins}".strip()
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )


def origin(uri: str) -> str:
    """scheme://host[:port] of an absolute URI ('' when it has none)."""
    parts = urlsplit(uri or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
