"""Reading console pages in tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

HTML = {"accept": "text/html,application/xhtml+xml"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str = "/console/login") -> str:
    """The CSRF token of a rendered form (and the browser now holds the matching cookie)."""
    page = client.get(path, headers=HTML)
    found = _CSRF.search(page.text)
    assert found is not None, f"no form on {path}"
    return found.group(1)
