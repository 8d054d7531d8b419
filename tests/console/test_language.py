"""The language of console pages, and switching it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.console._pages import HTML, csrf_from


def test_sign_in_page_follows_the_browser_language(client: TestClient) -> None:
    traditional = client.get("/console/login", headers={**HTML, "accept-language": "zh-HK"})
    assert '<html lang="zh-Hant">' in traditional.text
    assert "登入" in traditional.text
    simplified = client.get("/console/login", headers={**HTML, "accept-language": "zh-CN,en"})
    assert "登录" in simplified.text


def test_switching_language_sets_the_cookie_and_returns(client: TestClient) -> None:
    token = csrf_from(client)
    response = client.post(
        "/console/language",
        data={"csrf_token": token, "locale": "zh_Hans", "next": "/console/login?next=/console"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console"
    cookie = response.headers["set-cookie"]
    assert "paytrust_locale=zh_Hans" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    page = client.get("/console/login", headers={**HTML, "accept-language": "en"})
    assert "登录" in page.text


def test_switch_never_redirects_off_the_console(client: TestClient) -> None:
    token = csrf_from(client)
    for target in ("https://evil.example/", "//evil.example/console", "/api/health"):
        response = client.post("/console/language", follow_redirects=False,
                               data={"csrf_token": token, "locale": "en", "next": target})
        assert response.headers["location"] == "/console"


def test_unsupported_language_is_refused(client: TestClient) -> None:
    token = csrf_from(client)
    response = client.post("/console/language", data={"csrf_token": token, "locale": "fr"})
    assert response.status_code == 400
    assert response.json()["field"] == "locale"
