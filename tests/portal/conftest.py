"""Portal fixtures: an app on a migrated SQLite file with master data, a client, users of every role."""
from __future__ import annotations

import os
import shutil

import pytest
from werkzeug.security import generate_password_hash

from models.core.db import database
from models.core.transitions import transition
from models.intake.entry import place_order
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import Partner
from models.review.reviews import current_rule_set, record_review
from models.review.rules import CREDIT_ROLES, HOLD, ReviewDecision, ReviewReason
from portal.app import create_app
from schemas.orders import order_schema
from tests.conftest import copy_sqlite_template, settings_for, unavailable
from tests.factories import make_world, order_body

PASSWORD = "correct-horse-1"
CHROMIUM = os.environ.get("OMS_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# role -> (email, partner code)
USERS = {
    "ops_admin": ("admin@relay.test", None),
    "ops_agent": ("agent@relay.test", None),
    "credit_controller": ("credit@relay.test", None),
    "sales_manager": ("sales@relay.test", None),
    "distributor": ("dist1@relay.test", "DIST1"),
    "supplier": ("sup1@relay.test", "SUP1"),
}


def build_app(tmp_path, sqlite_url, **test_config):
    copy_sqlite_template(sqlite_url)  # a migrated copy: no migration runs per test
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url),
                     test_config={"TESTING": True, **test_config})
    database.connect(reuse_if_open=True)
    return app


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Hash test passwords with few rounds: scrypt's deliberate slowness would dominate the suite."""
    monkeypatch.setattr("models.partners.accounts.generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture
def app(tmp_path, sqlite_url):
    """The portal on a fresh database holding make_world(), a second distributor and a user per role."""
    app = build_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    make_world()
    Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R2",
                   distributor=Partner.get(Partner.code == "DIST2"))
    for role, (email, partner) in USERS.items():
        create_user(email, role, partner_code=partner, password=PASSWORD)
    create_user("dist2@relay.test", "distributor", partner_code="DIST2", password=PASSWORD)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return self._client.post("/login", data={"email": email, "password": password}, **kwargs)

    def login_as(self, role: str):
        """Sign in as the fixture user of ``role`` and check it worked."""
        response = self.login(USERS[role][0])
        assert response.status_code == 302, response.text
        return response

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


def place(external_ref: str, *, customer_code: str = "CUST1", placed_by: str | None = None,
          channel: str = "api", region: str = "R1"):
    """Place an order straight through the model, as another channel would."""
    partner = Partner.get(Partner.code == placed_by) if placed_by else None
    body = order_body(external_ref, customer_code=customer_code, channel=channel, region=region)
    order, created = place_order(order_schema.load(body), actor="test", placed_by=partner)
    assert created
    return order


def put_on_hold(order_id: int) -> None:
    """Hold the order as a review would for a credit limit breach (only credit roles may release it)."""
    assert Order.get_by_id(order_id).status == "reviewing"  # placing puts an order straight into review
    decision = ReviewDecision(HOLD, (ReviewReason("credit_limit", "credit limit exceeded",
                                                  release_roles=CREDIT_ROLES),))
    record_review(order_id, decision, current_rule_set(), actor="test")
    assert transition("order", order_id, "on_hold", actor="test", reason=decision.summary())


@pytest.fixture
def browser():
    """A headless Chromium (Debian's, through Playwright) for the real-browser tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright", "pip install -e '.[test]'")
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} not found; install the chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
