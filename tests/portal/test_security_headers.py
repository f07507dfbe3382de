"""Security headers on every portal response, and templates the Content-Security-Policy does not break."""
import re
from pathlib import Path

import pytest

from models.core.db import database
from portal.app import create_app
from portal.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import copy_sqlite_template, settings_for

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"
EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def assert_hardened(response, *, referrer_policy: str = "strict-origin-when-cross-origin") -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED | {"Referrer-Policy": referrer_policy}


@pytest.mark.parametrize("path, status", [
    ("/login", 200), ("/orders", 302), ("/no-such-page", 404), ("/static/portal.css", 200), ("/track", None),
])
def test_pages_redirects_errors_and_files_carry_the_headers(client, path, status):
    response = client.get(path)
    if status is not None:
        assert response.status_code == status
    assert_hardened(response, referrer_policy="no-referrer" if path == "/track" else EXPECTED["Referrer-Policy"])


def test_api_answers_carry_the_headers(client):
    response = client.get("/api/v1/orders/1")
    assert response.status_code == 401
    assert_hardened(response)


def test_signed_in_pages_carry_the_headers(auth, client):
    auth.login_as("ops_admin")
    for path in ("/orders", "/orders/new", "/account/tokens", "/admin/users", "/admin/tokens"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)


def test_strict_transport_security_only_when_the_portal_is_https(tmp_path, sqlite_url):
    copy_sqlite_template(sqlite_url)
    try:
        for url, hsts in (("https://oms.example.com", "max-age=31536000"), ("http://oms.internal", None)):
            app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url, OMS_PORTAL_URL=url),
                             test_config={"TESTING": True})
            assert app.test_client().get("/login").headers.get("Strict-Transport-Security") == hsts
    finally:
        database.close()


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(
    TEMPLATES)))
def test_no_template_has_inline_script_style_or_event_handlers(template):
    """The policy allows no inline script or style: a template that has some breaks in the browser."""
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>: move it to portal/static/"
    assert not re.search(r"<style\b", text), "inline <style>: move it to portal/static/portal.css"
    assert not re.search(r"\sstyle=", text), "style attribute: use a class in portal/static/portal.css"
    assert not re.search(r"\son[a-z]+\s*=", text), "event handler attribute: attach it from a static script"


def test_the_new_order_page_loads_its_customer_search_from_a_static_file(auth, client):
    auth.login_as("ops_admin")
    page = client.get("/orders/new").text
    source = re.search(r'<script src="([^"]+)"></script>', page)[1]
    script = client.get(source)
    assert script.status_code == 200 and "customer-search" in script.text
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY  # a script from the portal itself is allowed
