"""The portal in English, Traditional and Simplified Chinese: every wrapped string is in both catalogues, the
language is chosen in the documented order, and pages render in each language."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from models.orders.partner_view import (
    AWAITING_SUPPLIER_WORDS,
    HOLD_WORDS,
    OTHER_HOLD,
    STATUS_WORDS,
)
from models.orders.states import ORDER_TRANSITIONS
from models.partners.tables import User
from models.returns.rules import REASONS, RESOLUTIONS
from models.returns.states import RETURN_TRANSITIONS
from models.shipping import tracking_lookup
from models.shipping.states import SHIPMENT_TRANSITIONS
from models.supply.states import PO_STATUSES
from portal import domain_words, tracking_page
from portal.i18n import TRANSLATIONS, compile_catalogues
from tests.portal.conftest import USERS, place
from tests.portal.test_health import down_app  # noqa: F401, F811 - the portal on a database that is down

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ("zh_Hant", "zh_Hans")
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None, "ngettext": (1, 2), "Text": None,
            "pgettext": ((1, "c"), 2)}


def wrapped_messages() -> set[str]:
    """Every msgid the templates and portal modules wrap, extracted with babel.cfg as the build does."""
    method_map, options_map = _babel_config()
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.add(msgid)
    return found


def _babel_config():
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        return parse_mapping_cfg(config)


@pytest.mark.parametrize("locale", CATALOGUES)
def test_every_wrapped_string_is_translated_in_the_catalogue(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalogue = read_po(source)
    translated = {message.id for message in catalogue
                  if message.id and message.string and "fuzzy" not in message.flags}
    wanted = wrapped_messages()
    assert len(wanted) > 300  # the extraction itself found the templates
    missing = sorted(wanted - translated)
    assert not missing, f"{len(missing)} strings lack a {locale} translation (pybabel update, then translate): " \
                        f"{missing[:20]}"


@pytest.mark.parametrize("locale", CATALOGUES)
def test_translations_keep_their_placeholders(locale):
    import re

    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalogue = read_po(source)
    for message in catalogue:
        if message.id and message.string:
            wanted = sorted(re.findall(r"%\(\w+\)s", message.id))
            assert sorted(re.findall(r"%\(\w+\)s", message.string)) == wanted, message.id


def test_domain_words_are_all_listed_for_the_catalogues():
    listed = {*domain_words.ORDER_STATUSES, *domain_words.SHIPMENT_STATUSES, *domain_words.RETURN_STATUSES,
              *domain_words.RETURN_REASONS, *domain_words.PARTNER_WORDS, *domain_words.TRACKING_WORDS,
              *domain_words.PURCHASE_ORDER_WORDS, *domain_words.BATCH_STATUSES, *domain_words.EVENT_CODES}
    expected = {*ORDER_TRANSITIONS, *SHIPMENT_TRANSITIONS, *RETURN_TRANSITIONS,
                *(reason.replace("_", " ") for reason in REASONS), *RESOLUTIONS,
                *(status.replace("_", " ") for status in PO_STATUSES), "processing", "completed", "failed",
                *STATUS_WORDS.values(), *HOLD_WORDS.values(), OTHER_HOLD,
                AWAITING_SUPPLIER_WORDS, *tracking_lookup.ORDER_STATUS_WORDS.values(),
                *tracking_lookup.SHIPMENT_STATUS_WORDS.values(), *tracking_lookup.RETURN_STATUS_WORDS.values(),
                *tracking_lookup.RETURN_REASON_WORDS.values(), *tracking_lookup.EVENT_WORDS.values(),
                *tracking_lookup.EVENT_WORDS,
                *tracking_page.REASON_WORDS.values(), tracking_page.NOT_FOUND, tracking_page.INCOMPLETE}
    assert expected - listed == set()


def test_a_missing_or_stale_catalogue_is_compiled(tmp_path):
    po = tmp_path / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_bytes((TRANSLATIONS / "zh_Hant" / "LC_MESSAGES" / "messages.po").read_bytes())
    assert compile_catalogues(tmp_path) == [po.with_suffix(".mo")]
    assert compile_catalogues(tmp_path) == []  # up to date: left alone


def _lang(response) -> str:
    return response.text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_is_the_default(client, auth):
    auth.login_as("ops_agent")
    page = client.get("/home")
    assert _lang(page) == "en" and "Needs your action" in page.text


def test_the_query_parameter_sets_the_language_for_the_session(client, auth):
    auth.login_as("ops_agent")
    assert "待您處理" in client.get("/home?lang=zh-Hant").text
    later = client.get("/home")
    assert _lang(later) == "zh-Hant" and "待您處理" in later.text
    assert "待您处理" in client.get("/home?lang=zh-Hans").text
    assert _lang(client.get("/home?lang=en")) == "en"
    assert _lang(client.get("/home?lang=klingon")) == "en"  # an unknown choice changes nothing


def test_the_profile_comes_before_the_browser_and_the_session_before_the_profile(client, auth):
    auth.login_as("ops_agent")
    User.update(locale="zh-Hans").where(User.email == USERS["ops_agent"][0]).execute()
    headers = {"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}
    assert _lang(client.get("/home", headers=headers)) == "zh-Hans"
    assert _lang(client.get("/home?lang=zh-Hant", headers=headers)) == "zh-Hant"
    assert _lang(client.get("/home", headers=headers)) == "zh-Hant"


@pytest.mark.parametrize(("accept", "language"), [
    ("zh-TW,zh;q=0.9", "zh-Hant"), ("zh-HK", "zh-Hant"), ("zh-CN,en;q=0.8", "zh-Hans"), ("zh-SG", "zh-Hans"),
    ("fr-FR,zh-Hant;q=0.5", "zh-Hant"), ("fr,de", "en"), ("en-GB,zh-CN;q=0.9", "en"),
])
def test_accept_language_picks_the_best_match(client, accept, language):
    assert _lang(client.get("/login", headers={"Accept-Language": accept})) == language


def test_the_language_is_saved_on_the_profile(client, auth):
    auth.login_as("distributor")
    assert client.get("/account/language").status_code == 200
    saved = client.post("/account/language", data={"locale": "zh-Hant"}, follow_redirects=True)
    assert "語言已儲存" in saved.text
    assert User.get(User.email == USERS["distributor"][0]).locale == "zh-Hant"
    assert client.post("/account/language", data={"locale": "tlh"}).status_code == 422
    client.post("/account/language", data={"locale": ""})
    assert User.get(User.email == USERS["distributor"][0]).locale == ""


@pytest.mark.parametrize(("lang", "words"), [
    ("zh-Hant", ("訂單", "客戶", "總計", "收貨地址", "審核")),
    ("zh-Hans", ("订单", "客户", "总计", "收货地址", "审核")),
])
def test_order_pages_render_in_chinese(client, auth, lang, words):
    order = place("ZH-1")
    auth.login_as("ops_agent")
    listing = client.get(f"/orders?lang={lang}")
    detail = client.get(f"/orders/{order.id}")
    new = client.get("/orders/new")
    assert listing.status_code == detail.status_code == new.status_code == 200
    for word in words:
        assert word in detail.text, word
    assert ("送出訂單" if lang == "zh-Hant" else "提交订单") in new.text
    assert "Place order" not in new.text and "Subtotal" not in detail.text


def test_money_and_dates_follow_the_language(app):
    from datetime import datetime
    from decimal import Decimal

    from portal.i18n import format_amount, format_day, format_when

    with app.test_request_context("/?lang=en"):
        assert format_amount(Decimal("1234.5"), "USD") == "1,234.50 USD"
        assert format_when(datetime(2024, 5, 1, 14, 3)) == "2024-05-01 14:03 UTC"
    with app.test_request_context("/?lang=zh-Hant"):
        assert format_amount(Decimal("1234.5"), "TWD") == "$1,234.50"
        assert format_amount(Decimal("1234.5"), "USD") == "US$1,234.50"
        assert format_day(datetime(2024, 5, 1, 14, 3)) == "2024年5月1日"
        assert "下午2:03" in format_when(datetime(2024, 5, 1, 14, 3))
    with app.test_request_context("/?lang=zh-Hans"):
        assert format_amount(Decimal("1234.5"), "CNY") == "¥1,234.50"


def test_public_tracking_page_switches_language(client):
    assert "追蹤您的訂單" in client.get("/track?lang=zh-Hant").text
    assert "跟踪您的订单" in client.get("/track?lang=zh-Hans").text
    missing = client.get("/track?order=NOPE&postcode=00000")
    assert "找不到与此订单号" in missing.text


def test_the_outage_page_follows_the_language_without_the_database(down_app):  # noqa: F811
    page = down_app.test_client().get("/track?lang=zh-Hant")
    assert page.status_code == 503 and "馬上回來" in page.text and _lang(page) == "zh-Hant"


@pytest.mark.parametrize(("role", "path", "word"), [
    ("ops_agent", "/ops/holds", "暫停中的訂單"), ("ops_agent", "/ops/shipments", "沒有符合的出貨"),
    ("distributor", "/shipments", "我的出貨"), ("distributor", "/returns", "沒有退貨"),
    ("distributor", "/imports", "訂單匯入"), ("distributor", "/account/tokens", "建立權杖"),
    ("supplier", "/supplier", "待您處理的事項"), ("supplier", "/supplier/purchase-orders", "您的採購單"),
    ("supplier", "/no-such-page", "這裡沒有內容"), ("supplier", "/ops/holds", "您無權開啟此頁面"),
])
def test_more_pages_render_in_traditional_chinese(client, auth, role, path, word):
    auth.login_as(role)
    page = client.get(f"{path}?lang=zh-Hant")
    assert page.status_code in (200, 403, 404) and word in page.text


def test_a_shipment_page_renders_in_simplified_chinese(client, auth):
    from tests.portal.test_shipment_documents import shipped

    shipment_id = shipped("ZH-SHIP")
    auth.login_as("ops_agent")
    page = client.get(f"/ops/shipments/{shipment_id}?lang=zh-Hans")
    assert page.status_code == 200 and "发货单（PDF）" in page.text and "历史记录" in page.text


def test_every_role_has_words_in_the_page_language():
    from models.partners.tables import ROLES

    assert set(domain_words.ROLE_WORDS) == set(ROLES)
