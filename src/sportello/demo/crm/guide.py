"""The guide's own snippet (steps 3 and 4 of the embedding guide, merged where step 4 says to),
with the two base URLs and the credential placeholders filled in, and the hashes that let the
page's CSP allow exactly this inline code."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sportello.demo.crm.config import CrmConfig, CrmUser

_HTML = Path(__file__).parent / "html"
GUIDE_API_URL = "https://app.spoki.it"
GUIDE_APP_URL = "https://spoki.app"


@dataclass(frozen=True)
class GuideSnippet:
    style: str
    script: str

    def content_security_policy(self, config: CrmConfig) -> str:
        """Only this page's inline style and script run: by hash, never 'unsafe-inline'."""
        return (
            f"default-src 'none'; script-src '{csp_hash(self.script)}'; style-src 'self' '{csp_hash(self.style)}'; "
            f"img-src 'self'; connect-src {config.api_origin}; frame-src {config.app_origin}; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        )


def csp_hash(source: str) -> str:
    """The CSP source expression that allows an inline element whose text is exactly `source`."""
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()


@cache
def _original(name: str) -> str:
    return (_HTML / name).read_text(encoding="utf-8")


def _in_js_string(value: str) -> str:
    """`value` as the inside of a JS string or template literal that sits in an HTML <script>:
    nothing in it can end the string, open a `${…}`, or close the element."""
    escaped = json.dumps(value)[1:-1]
    for char in "<>&`$":
        escaped = escaped.replace(char, f"\\u{ord(char):04x}")
    return escaped


def guide_snippet(config: CrmConfig, user: CrmUser) -> GuideSnippet:
    script = (
        _original("guide-snippet.js")
        .replace("{{Api-Key}}", _in_js_string(config.api_key))
        .replace("{{Email}}", _in_js_string(user.email))
        .replace("{{Private-Key}}", _in_js_string(user.private_key))
        .replace(GUIDE_API_URL, _in_js_string(config.api_url))
        # The iframe's address takes the APP base URL; `event.origin` is compared with its origin.
        .replace(f"`{GUIDE_APP_URL}/", f"`{_in_js_string(config.app_url)}/")
        .replace(GUIDE_APP_URL, _in_js_string(config.app_origin))
    )
    return GuideSnippet(style=_original("guide-snippet.css"), script=script)
