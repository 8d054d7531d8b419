"""Reading console pages in tests."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient

HTML = {"accept": "text/html,application/xhtml+xml"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str = "/console/login") -> str:
    """The CSRF token of a rendered form (and the browser now holds the matching cookie)."""
    page = client.get(path, headers=HTML)
    found = _CSRF.search(page.text)
    assert found is not None, f"no form on {path}"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str, totp_secret: str) -> None:
    """Sign in through the console's own forms: password, then a current TOTP code."""
    token = csrf_from(client)
    step = client.post("/console/login", data={"csrf_token": token, "username": username,
                                               "password": password}, follow_redirects=False)
    assert step.headers["location"] == "/console/login/mfa"
    token = csrf_from(client, "/console/login/mfa")
    done = client.post("/console/login/mfa", follow_redirects=False,
                       data={"csrf_token": token, "code": pyotp.TOTP(totp_secret).now()})
    assert done.status_code == 303, done.text
