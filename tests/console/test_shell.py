"""The console answers browsers with pages and API clients with problems, safely."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from paytrust.console.templating import STATIC_DIR, TEMPLATE_DIR
from tests.console._pages import HTML, csrf_from


def test_root_leads_to_the_console(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/console"


def test_unauthenticated_page_request_redirects_to_sign_in_and_back(client: TestClient) -> None:
    response = client.get("/console/audit?actor=ann", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Faudit%3Factor%3Dann"


def test_unauthenticated_api_style_request_gets_a_problem(client: TestClient) -> None:
    response = client.get("/console", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthenticated"


def test_unknown_console_page_is_a_console_404_page(client: TestClient) -> None:
    response = client.get("/console/no-such-page", headers=HTML)
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="/static/console.css' in response.text


def test_unknown_api_path_stays_a_problem(client: TestClient) -> None:
    response = client.get("/api/no-such-thing", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_pages_forbid_foreign_scripts_styles_and_framing(client: TestClient) -> None:
    headers = client.get("/console/login", headers=HTML).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"


def test_templates_and_assets_load_nothing_from_other_sites() -> None:
    svg_namespace = 'xmlns="http://www.w3.org/2000/svg"'  # an identifier, never fetched
    files = [*Path(TEMPLATE_DIR).rglob("*.html"), *Path(STATIC_DIR).rglob("*.*")]
    assert len(files) > 10
    offenders = [
        str(path) for path in files
        if any(marker in path.read_text(encoding="utf-8").replace(svg_namespace, "")
               for marker in ("https://", "http://", "//fonts.", "@import"))
    ]
    assert offenders == []


def test_static_assets_are_served(client: TestClient) -> None:
    for asset in ("console.css", "console.js", "icons.svg"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_form_without_csrf_token_is_refused_with_a_problem(client: TestClient) -> None:
    response = client.post("/console/login", data={"username": "ann", "password": "x"})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/csrf-rejected"


def test_form_with_a_token_for_another_browser_is_refused(
    client: TestClient, app: object
) -> None:
    token = csrf_from(client)
    client.cookies.clear()
    other = TestClient(app)  # type: ignore[arg-type]
    csrf_from(other)
    client.cookies.set("paytrust_csrf", other.cookies["paytrust_csrf"])
    response = client.post("/console/language", data={"csrf_token": token, "locale": "en"})
    assert response.status_code == 403


def test_browser_posting_a_forged_form_sees_a_console_page(client: TestClient) -> None:
    csrf_from(client)
    response = client.post("/console/language", data={"locale": "en"}, headers=HTML)
    assert response.status_code == 403
    assert "This form has expired" in response.text


def test_pending_steps_without_a_password_first_go_back_to_sign_in(client: TestClient) -> None:
    for path in ("/console/login/mfa", "/console/login/enrol"):
        response = client.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login"


def test_forged_pending_login_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set("paytrust_pending_login", "eyJ1IjoiYWRtaW4ifQ.bm90LWEtbWFj",
                       path="/console/login")
    response = client.get("/console/login/mfa", headers=HTML, follow_redirects=False)
    assert response.headers["location"] == "/console/login"
