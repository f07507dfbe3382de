"""The access matrix: every route of ``app.url_map``, with each method it allows, called as anonymous, each ops
role, a supplier and distributor A, with partner B's ids in the URL (empty form or ``{}`` body for writes).

Checked: anonymous reaches only public routes; partners are kept out of ops routes and never get B's objects, nor
B's values in any answer (2xx, 4xx or redirect); a partner's write with B's ids changes no row of any table; ops
roles keep to the role limits the README documents; no route answers 5xx. B itself and ops must see B's values
on their pages, else the matrix would be blind. A new route is covered as it appears: ops-only unless listed in
PUBLIC or PARTNER_ROUTES, and an unknown URL argument fails until ARGUMENTS gives B's value for it.
"""
from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pypdfium2 as pdfium
import pytest
from werkzeug.security import generate_password_hash

from models.core.db import database
from models.partners.api_tokens import create_token
from models.partners.tables import User
from tests.portal.conftest import PASSWORD, USERS, build_app
from tests.portal.tenant_world import World, build_world, fingerprint

pytestmark = pytest.mark.xdist_group("access_matrix")  # one data set, built once, on one worker

OPS = ("ops_agent", "credit_controller", "ops_admin")
PARTNERS = ("supplier", "distributor")  # partner A's users, calling with B's ids
OWNERS = ("owner_b", "supplier_b")  # B's own users: GET only, to prove B's values do show where they belong
WRITES = ("POST", "PUT", "PATCH", "DELETE")

SKIPPED = {
    "static": "files, not views",
    "auth.login": "signing in is how the matrix gets its sessions; tests/portal/test_auth.py covers it",
    "auth.logout": "ends every session of the user; tests/portal/test_auth.py covers it",
    "feedback.rate_order": "the signed token in the path is the credential (one order); tests/portal/test_feedback.py",
}
PUBLIC = {  # no sign-in by design: checked for B's values only
    "ops.index": "redirects to the order list or the sign-in page",
    "health.live": "liveness probe", "health.ready": "readiness probe",
    "tracking_page.track": "public lookup by order number plus postcode or email",
    "tracking_page.request_return_page": "public return request, the order looked up again by number and postcode",
    "charts.stylesheet": "the charts' CSS, the same for everyone",
    "openapi.openapi_json": "the API's OpenAPI description, the same for everyone",
    "openapi.docs": "the API's documentation page, rendered from that description",
    "metrics.metrics": "Prometheus scrape: counts only, open unless OMS_METRICS_TOKEN is set",
}
SIGNED = {  # no sign-in but an HMAC signature: without one, nobody gets a 2xx
    "api.carrier_events": "X-Carrier-Signature",
    "api_channels.channel_webhook": "X-Shopify-Hmac-Sha256 / X-WC-Webhook-Signature",
}
ANY_USER = ("supplier", "distributor")
DESK = ("distributor",)
WEBHOOK_ROUTES = ("webhooks.subscriptions_page", "webhooks.create", "webhooks.detail", "webhooks.enable",
                  "webhooks.disable", "webhooks.delete", "webhooks.send_again", "api_webhooks.create",
                  "api_webhooks.list_subscriptions", "api_webhooks.get", "api_webhooks.change", "api_webhooks.delete",
                  "api_webhooks.enable", "api_webhooks.delivery_log", "api_webhooks.send_again")
PARTNER_ROUTES = {  # endpoint -> partner roles it serves (scoped to their own data); every other route is ops-only
    "auth.home": ANY_USER, "tokens.my_tokens": ANY_USER, "tokens.create": ANY_USER, "tokens.revoke_mine": ANY_USER,
    "account.language_page": ANY_USER, "account.save_language": ANY_USER,
    "ops.orders": DESK, "ops.order_detail": DESK, "ops.cancel": DESK, "ops.new_order": DESK,
    "batches.imports": DESK, "batches.batch_detail": DESK, "batches.batch_errors_csv": DESK, "batches.mapping": DESK,
    "returns.my_returns": DESK, "returns.my_return": DESK, "shipments.my_shipments": DESK, "shipments.detail": DESK,
    "shipment_documents.ops_dispatch_note": DESK, "shipment_documents_api.api_dispatch_note": DESK,
    "api.create_order": DESK, "api.list_orders": DESK, "api.get_order": DESK, "api.cancel": DESK,
    "api.create_orders": DESK, "api_intake.import_orders": DESK,
    "order_changes.change": DESK, "api_order_changes.change": DESK, "api_order_changes.changes": DESK,
    "api_intake.get_batch": DESK, "api_intake.get_batch_errors": DESK, "api_returns.create_return": DESK,
    "api_returns.get_return": DESK, "api_events.list_events": DESK,
    "api_stock.list_stock": ANY_USER, "api_forecasts.list_forecasts": ("supplier",),
    "credit_desk.invoice_pdf": DESK, "api_exchange_rates.list_rates": DESK,
    "my_prices.my_prices": DESK, "api_prices.api_prices": DESK,
    "inventory.inventory": ("supplier",), "inventory.sku_history": ("supplier",), "inventory.alerts": ("supplier",),
    "scorecard.my_scorecard": ("supplier",), "api_scorecard.get_scorecard": ("supplier",),
    "api_dropship.post_events": ("supplier",),
    **dict.fromkeys(("supplier_portal.home", "supplier_portal.purchase_orders", "supplier_portal.purchase_order",
                     "supplier_portal.purchase_order_pdf", "supplier_portal.purchase_order_csv",
                     "supplier_portal.confirm", "supplier_portal.confirm_file", "supplier_portal.create_notice",
                     "supplier_portal.stock"), ("supplier",)),
    **dict.fromkeys(("api_purchasing.list_orders", "api_purchasing.get_order", "api_purchasing.order_pdf",
                     "api_purchasing.order_csv", "api_purchasing.confirm", "api_purchasing.announce"), ("supplier",)),
    "reports_sales.my_sales": DESK, "reports_sales.sell_through": ("supplier",), "api_reports_sales.api_sales": ANY_USER,
    "reports_customers.my_customers": DESK, "api_reports_customers.api_customers": DESK,
    **dict.fromkeys(("reports_inventory.my_inventory", "reports_returns.my_returns",
                     "api_reports_inventory.api_inventory", "api_reports_returns.api_returns"), ("supplier",)),
    **dict.fromkeys(WEBHOOK_ROUTES, ANY_USER),
}
# Writes a partner may make to its own rows even with an empty body (B's rows are fingerprinted apart).
OWN_WRITES = {("distributor", "batches.mapping"): {"column_mapping"}}
# Ops role limits the README documents; other ops roles must be refused (401/403/404).
MONEY, DESK_OPS, ADMIN = ("ops_admin", "credit_controller"), ("ops_admin", "ops_agent"), ("ops_admin",)
DOCUMENTED_ROLES = {
    "api_payments.create_payment": MONEY, "api_returns.list_payouts": MONEY, "api_returns.payout_paid": MONEY,
    "credit_desk.record_customer_payment": MONEY, "credit_desk.mark_refund_paid": MONEY,
    "exchange_rates.add_rate": MONEY, "exchange_rates.upload_rates": MONEY, "api_exchange_rates.post_rates": MONEY,
    **dict.fromkeys(("prices.save_list", "prices.save_break", "prices.remove_break", "prices.remove_list",
                     "prices.remove_contract", "prices.upload"), ADMIN),  # and sales_manager, not in the matrix
    "tax_rates.save_rate": ADMIN, "tax_rates.upload_rates": ADMIN, "tax_rates.delete_rate": ADMIN,
    "holds.save_review_settings": MONEY, "holds.save_override": MONEY, "holds.remove_override": MONEY,
    "api_stock.create_adjustment": DESK_OPS, "api_stock.create_transfer": DESK_OPS,
    "api_stock.receive_purchase": DESK_OPS, "inventory.adjust": DESK_OPS, "inventory.transfer": DESK_OPS,
    "api_returns.approve": DESK_OPS, "api_returns.reject": DESK_OPS, "api_returns.receive": DESK_OPS,
    "api_returns.inspect": DESK_OPS,
    "allocation_settings.save_default_policy": ADMIN, "allocation_settings.save_override": ADMIN,
    "allocation_settings.remove_override": ADMIN, "allocation_settings.save_routing_rule": ADMIN,
    "allocation_settings.change_routing_rule": ADMIN,
    "tokens.all_tokens": ADMIN, "tokens.revoke_any": ADMIN, "users.users": ADMIN, "users.unlock": ADMIN,
    "users.deactivate": ADMIN,
    **dict.fromkeys(("purchase_orders.new_purchase_order", "purchase_orders.send", "purchase_orders.edit",
                     "purchase_orders.cancel", "purchase_orders.close", "purchase_orders.accept",
                     "purchase_orders.reject", "purchase_receipts.receive"), DESK_OPS),
    **dict.fromkeys(("api_purchasing.create_order", "api_purchasing.send_order", "api_purchasing.change_order",
                     "api_purchasing.cancel_order", "api_purchasing.close_order", "api_purchasing.accept",
                     "api_purchasing.reject", "api_purchasing.confirm", "api_purchasing.announce"), DESK_OPS),
    "replenishment.act_on_suggestions": DESK_OPS, "replenishment.recompute": DESK_OPS,
    "api_replenishment.order_replenishment": DESK_OPS, "api_dropship.post_events": DESK_OPS, "replenishment.save_settings": ADMIN,
    "replenishment.switch_supplier": ADMIN, "replenishment.switch_sku": ADMIN,
    "stuck_work.redrive_selected": DESK_OPS,
    **dict.fromkeys(WEBHOOK_ROUTES, ADMIN),  # ops subscriptions; partners hold their own
    **dict.fromkeys(("queues.decide", "api_queues.retry_one", "api_queues.discard_one", "api_queues.retry_many",
                     "api_queues.discard_many"), DESK_OPS),
}
# URL argument -> the key of B's values in World.b_ids (or literal values); per endpoint where a name is ambiguous.
ARGUMENTS = {
    "order_id": "order_id", "line_id": "line_id", "shipment_id": "shipment_id", "alert_id": "alert_id",
    "return_id": "return_id", "photo_id": "photo_id", "refund_id": "refund_id", "batch_id": "batch_id",
    "intake_id": "intake_id", "token_id": "token_id", "user_id": "user_id", "sku": "sku", "number": "number",
    "carrier": "carrier", "index": [0], "change": ["up", "remove"], "scope": ["customer"],
    "invoice_id": "invoice_id", "payment_id": "payment_id", "message_id": "intake_id", "prefix": "token_prefix",
    "external_ref": "external_ref", "customer_code": "customer_code", "warehouse_code": "warehouse_code",
    "warehouse": "warehouse_code", "supplier_code": "supplier_code", "asn_id": "asn_id",
    "dead_letter_id": [1],
    "subscription_id": "subscription_id", "delivery_id": "delivery_id",
    "rate_id": [1],
}
CODE_ARGUMENT = {
    "api_payments.get_receivables": "customer_code", "holds.remove_override": "customer_code",
    "credit_desk.customer": "customer_code", "credit_desk.record_customer_payment": "customer_code",
    "allocation_settings.remove_override": "customer_code", "api_channels.channel_webhook": "channel_code",
    "shipment_documents_api.api_pick_list": "warehouse_code", "replenishment.switch_supplier": "supplier_code",
    "scorecard.ops_supplier_scorecard": "supplier_code", "api_scorecard.get_scorecard": "supplier_code",
}
EXTRA_GETS = [  # list pages with filters and searches that could bring B's rows in
    "/orders?q=BRAVO", "/orders?q=CUST2", "/orders?status=on_hold", "/orders?status=delivered",
    "/shipments?q=BRAVO", "/shipments?status=delivered&warehouse=WEST", "/returns?status=refunded",
    "/api/v1/events?after=0&limit=500", "/api/v1/stock?sku=BRV-SPROCKET", "/api/v1/stock?limit=500",
    "/ops/inventory?sku=BRV-SPROCKET", "/ops/returns?view=all", "/ops/pick-list.pdf?warehouse=WEST", "/imports",
    "/track?order=BRAVO-PO-DELIVERED&postcode=NOPE", "/track?order=BRAVO-PO-DELIVERED&email=alfa.buyer@example.org",
    "/orders?format=csv", "/shipments?format=csv", "/returns?format=csv", "/ops/inventory?format=csv",
    "/ops/alerts?format=csv", "/supplier/purchase-orders?format=csv", "/account/tokens?format=csv",
    "/imports?format=csv",
    "/my/prices?customer=CUST2", "/my/prices?sku=WIDGET", "/api/v1/prices?customer=CUST2&sku=WIDGET",
    "/api/v1/prices?sku=WIDGET",
]
# Pages that must show B's values to B (or to ops): without them the leak checks would prove nothing.
OWNER_MUST_SEE = {
    "owner_b": {"my_prices.my_prices", "ops.orders", "ops.order_detail", "shipments.my_shipments", "shipments.detail", "returns.my_returns",
                "returns.my_return", "batches.batch_detail", "batches.batch_errors_csv", "batches.mapping",
                "shipment_documents.ops_dispatch_note", "shipment_documents_api.api_dispatch_note", "api.get_order",
                "api_returns.get_return", "api_intake.get_batch", "api_events.list_events", "tokens.my_tokens",
                "credit_desk.invoice_pdf", "webhooks.subscriptions_page", "webhooks.detail", "api_webhooks.get",
                "api_webhooks.list_subscriptions", "api_webhooks.delivery_log"},
    "supplier_b": {"inventory.inventory", "inventory.sku_history", "inventory.alerts", "api_stock.list_stock",
                   "scorecard.my_scorecard", "api_scorecard.get_scorecard", "supplier_portal.home",
                   "supplier_portal.purchase_orders", "api_forecasts.list_forecasts",
                   "supplier_portal.purchase_order", "supplier_portal.purchase_order_pdf",
                   "supplier_portal.purchase_order_csv", "supplier_portal.stock", "api_purchasing.list_orders",
                   "api_purchasing.get_order", "api_purchasing.order_pdf", "api_purchasing.order_csv"},
    "ops_admin": {"prices.prices_page", "ops.orders", "ops.order_detail", "shipments.ops_list", "shipments.problems", "returns.queue",
                  "returns.detail", "holds.queue", "intake_queue.queue", "intake_queue.message",
                  "api_returns.list_payouts", "api_payments.get_receivables", "api_events.list_events", "users.users",
                  "tokens.all_tokens", "inventory.inventory", "inventory.alerts", "scorecard.ops_scorecard",
                  "scorecard.ops_supplier_scorecard", "api_scorecard.get_scorecard",
                  "shipment_documents.ops_pick_list", "shipment_documents_api.api_pick_list",
                  "purchase_orders.purchase_orders", "purchase_orders.detail", "purchase_orders.pdf",
                  "purchase_orders.csv", "replenishment.suggestions_page", "api_replenishment.list_replenishment",
                  "api_forecasts.list_forecasts",
                  "credit_desk.customers", "credit_desk.customer", "credit_desk.refunds", "credit_desk.invoice_pdf"},
}


def b_bodies(b_ids: dict[str, list]) -> dict[str, list[dict]]:
    """Write bodies naming B's objects rather than the URL, sent by anonymous and partners besides the empty one."""
    ship_to = {"name": "Alfa Receiver", "phone": "+1 555 0100", "address": "5 Alfa Street", "city": "Alfaton",
               "region": "R1", "postcode": "AL1 1FA", "country": "US"}
    return {
        "api.create_order": [{"channel": "api", "external_ref": "ALFA-FOR-B-1", "customer_code": "CUST2",
                              "currency": "USD", "ship_to": ship_to, "lines": [{"sku": "WIDGET", "quantity": 1}]}],
        "api.create_orders": [{"orders": [{"channel": "api", "external_ref": "ALFA-FOR-B-3", "customer_code": "CUST2",
                                           "currency": "USD", "ship_to": ship_to,
                                           "lines": [{"sku": "WIDGET", "quantity": 1}]}]}],
        "api_returns.create_return": [{"order_id": order_id, "resolution": "refund", "reason": "damaged",
                                       "comment": "", "lines": [{"sku": "WIDGET", "quantity": 1}]}
                                      for order_id in b_ids["order_id"]],
        "ops.new_order": [{"customer_code": "CUST2", "external_ref": "ALFA-FOR-B-2", "currency": "USD",
                           **{f"ship_to_{key}": value for key, value in ship_to.items()},
                           "lines-0-sku": "WIDGET", "lines-0-quantity": "1"}],
    }


@dataclass
class Call:
    principal: str
    method: str
    endpoint: str
    url: str
    status: int
    location: str = ""
    leaked: list[str] = field(default_factory=list)
    shown: bool = False  # the answer holds the values of the data this principal owns (controls only)
    changed: list[str] = field(default_factory=list)  # tables a write changed

    def __str__(self) -> str:
        where = f" -> {self.location}" if self.location else ""
        return f"{self.principal:17} {self.method:6} {self.url}  [{self.status}{where}]"


@dataclass
class Matrix:
    calls: list[Call]
    unfilled: list[str]  # URL arguments the matrix has no B value for
    endpoints: set[str]  # every endpoint of the URL map
    rules: int  # rules called (not skipped)


def body_text(response) -> str:
    """What a reader of the answer sees: headers, and the body (the text layer of a PDF)."""
    data = response.get_data()
    if response.mimetype == "application/pdf":
        document = pdfium.PdfDocument(data)
        try:
            text = "\n".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()
    else:
        text = data.decode("utf-8", "replace")
    return "\n".join(f"{name}: {value}" for name, value in response.headers.items()) + "\n" + text


def urls_for(rule, b_ids: dict[str, list], unfilled: list[str]) -> list[str]:
    """The rule's URL once per combination of B's values for its arguments."""
    choices = {}
    for name in sorted(rule.arguments):
        source = CODE_ARGUMENT.get(rule.endpoint) if name == "code" else ARGUMENTS.get(name)
        if source is None:
            unfilled.append(f"{rule.rule} ({rule.endpoint}): no B value for <{name}>; add it to ARGUMENTS")
            return []
        choices[name] = b_ids[source] if isinstance(source, str) else source
    combos = [dict(zip(choices, values)) for values in itertools.product(*choices.values())]
    return [rule.build(combo, append_unknown=False)[1] for combo in combos]


class Principal:
    """A test client signed in as one user, with that user's bearer token sent along (API routes read it)."""

    def __init__(self, app, name: str, email: str | None, forbidden: set[str], own: set[str]) -> None:
        self.name, self.client, self.forbidden, self.own = name, app.test_client(), forbidden, own
        self.headers = {}
        if email is not None:
            response = self.client.post("/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, f"{email} could not sign in: {response.status_code}"
            self.headers = {"Authorization": f"Bearer {create_token(User.get(User.email == email))[1]}"}

    def call(self, method: str, endpoint: str, url: str, body: dict | None = None, *,
             before: dict | None = None) -> Call:
        """Call once (a write with ``body``, else empty); with ``before`` (a fingerprint), note the tables the call
        changed in ``changed``. B's values the request itself holds do not count as shown."""
        sent = {} if method not in WRITES else {"json" if url.startswith("/api/") else "data": body or {}}
        response = self.client.open(url, method=method, headers=self.headers, **sent)
        text, asked = body_text(response), url + repr(body)
        result = Call(self.name, method, endpoint, url + (f" {body}" if body else ""), response.status_code,
                      location=response.headers.get("Location", ""),
                      leaked=sorted(value for value in self.forbidden if value in text and value not in asked),
                      shown=any(value in text for value in self.own))
        if before is not None:
            after = fingerprint()
            result.changed = sorted(name for name in before if before[name] != after.get(name))
            before.update(after)  # the next call starts from here
        return result


def principals(app, world: World) -> dict[str, Principal]:
    """Who calls, with the values they must never see and those of their own (for the controls). A supplier sees
    no order at all: distributor A's values are forbidden to it as well."""
    t = world.tenants
    b_values = t["dist_b"].values
    people = {
        "anonymous": (None, b_values | t["sup_b"].values | t["dist_a"].values, set()),
        "supplier": (USERS["supplier"][0], b_values | t["sup_b"].values | t["dist_a"].values, t["sup_a"].values),
        "distributor": (USERS["distributor"][0], b_values, t["dist_a"].values),
        "owner_b": ("dist2@relay.test", set(), b_values),
        "supplier_b": ("sup2@relay.test", set(), t["sup_b"].values),
        **{role: (USERS[role][0], set(), b_values | t["sup_b"].values) for role in OPS},
    }
    return {name: Principal(app, name, email, forbidden, own) for name, (email, forbidden, own) in people.items()}


def run_matrix(app, world: World) -> Matrix:
    """Phase 1 every GET as everyone; phase 2 anonymous and partner writes, each watched for changed rows;
    phase 3 ops writes (last: they may change B's data, as ops may)."""
    who = principals(app, world)
    unfilled: list[str] = []
    called = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED]
    routes = []
    for rule in sorted(called, key=lambda r: (r.rule, sorted(r.methods))):
        for url in urls_for(rule, world.b_ids, unfilled):
            routes += [(method, rule.endpoint, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    adapter = app.url_map.bind("localhost")
    routes += [("GET", adapter.match(urlparse(url).path)[0], url) for url in EXTRA_GETS]
    reads = [route for route in routes if route[0] == "GET"]
    writes = [route for route in routes if route[0] != "GET"]
    bodies = b_bodies(world.b_ids)
    with_bodies = writes + [(method, endpoint, url, body) for method, endpoint, url in writes
                            for body in bodies.get(endpoint, ())]
    calls = [who[name].call(*route) for name in ("anonymous", *PARTNERS, *OWNERS, *OPS) for route in reads]
    state = fingerprint()
    calls += [who[name].call(*route, before=state) for name in ("anonymous", *PARTNERS) for route in with_bodies]
    calls += [who[name].call(*route) for name in OPS for route in writes]
    return Matrix(calls, unfilled, {rule.endpoint for rule in app.url_map.iter_rules()}, len(called))


def summary(matrix: Matrix, seconds: float) -> str:
    """Rules x principals called, outcomes per principal, the pages that do show B's data, what was skipped."""
    calls = matrix.calls
    outcome = Counter((c.principal, _bucket(c.status)) for c in calls)
    buckets = ("2xx", "3xx", "401", "403", "404", "4xx", "5xx")
    showing = {c.endpoint for c in calls if c.shown and c.principal in (*OWNERS, *OPS)}
    lines = [f"access matrix: {matrix.rules} rules, {len({(c.method, c.url) for c in calls})} method x URL (with "
             f"B's ids), {len(dict.fromkeys(c.principal for c in calls))} principals, {len(calls)} calls, "
             f"{seconds:.1f}s with the data set; B's data shows to B or ops on {len(showing)} endpoints",
             f"  {'principal':17} " + " ".join(f"{b:>5}" for b in buckets)]
    for name in dict.fromkeys(c.principal for c in calls):
        lines.append(f"  {name:17} " + " ".join(f"{outcome[name, b]:>5}" for b in buckets))
    lines += [f"  skipped {endpoint}: {why}" for endpoint, why in SKIPPED.items() if endpoint in matrix.endpoints]
    return "\n".join(lines)


def _bucket(status: int) -> str:
    if status in (401, 403, 404):
        return str(status)
    return f"{status // 100}xx"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Matrix:
    tmp_path = tmp_path_factory.mktemp("access_matrix")
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("models.partners.accounts.generate_password_hash",
                      lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))
        app = build_app(tmp_path, f"sqlite:///{tmp_path / 'oms.sqlite3'}", WTF_CSRF_ENABLED=False)
        handle = database.obj
        result = run_matrix(app, build_world(app))
    print("\n" + summary(result, time.monotonic() - started))
    yield result
    if not handle.is_closed():
        handle.close()


def refused(call: Call) -> bool:
    """Turned away: no credentials, not allowed, not found, or sent to sign in."""
    return call.status in (401, 403, 404) or (call.status == 302 and urlparse(call.location).path == "/login")


def report(violations: list[str], what: str) -> None:
    assert not violations, f"{len(violations)} {what}:\n  " + "\n  ".join(violations)


def test_every_route_is_called_and_every_listed_endpoint_exists(matrix):
    listed = {*SKIPPED, *PUBLIC, *SIGNED, *PARTNER_ROUTES, *DOCUMENTED_ROLES, *CODE_ARGUMENT,
              *b_bodies({"order_id": []}), *itertools.chain(*OWNER_MUST_SEE.values())}
    stale = [f"{endpoint}: listed here but not in the URL map (renamed?)" for endpoint in sorted(listed)
             if endpoint not in matrix.endpoints]
    report(matrix.unfilled + stale, "gaps in the matrix")


def test_anonymous_reaches_only_public_routes(matrix):
    report([f"{c}  (a new public route? list it in PUBLIC)" for c in matrix.calls
            if c.principal == "anonymous" and c.endpoint not in PUBLIC and not refused(c)], "open routes")


def test_partners_are_kept_out_of_ops_routes_and_b_objects(matrix):
    violations = []
    for c in matrix.calls:
        if c.principal not in PARTNERS or c.endpoint in PUBLIC:
            continue
        if c.endpoint in SIGNED or c.principal not in PARTNER_ROUTES.get(c.endpoint, ()):
            if not refused(c):
                violations.append(f"{c}  ops-only route (a partner route? list it in PARTNER_ROUTES)")
        elif _names_b_object(c) and 200 <= c.status < 300:
            violations.append(f"{c}  answered for B's object")
    report(violations, "partner calls let through")


def _names_b_object(call: Call) -> bool:
    path = urlparse(call.url).path
    return any(segment.isdigit() or segment == "BRV-SPROCKET" for segment in path.split("/"))


def test_partners_never_see_b_values(matrix):
    report([f"{c}  shows {', '.join(c.leaked)}" for c in matrix.calls if c.leaked], "answers with B's data")


def test_partner_writes_with_b_ids_change_nothing(matrix):
    report([f"{c}  changed {', '.join(c.changed)}" for c in matrix.calls
            if set(c.changed) - OWN_WRITES.get((c.principal, c.endpoint), set())], "writes that changed rows")


def test_ops_roles_keep_to_documented_limits(matrix):
    report([f"{c}  README: {', '.join(DOCUMENTED_ROLES[c.endpoint])} only" for c in matrix.calls
            if c.principal in OPS and c.principal not in DOCUMENTED_ROLES.get(c.endpoint, OPS) and not refused(c)],
           "ops calls beyond their role")


def test_no_route_answers_a_server_error(matrix):
    report([str(c) for c in matrix.calls if c.status >= 500 and not (c.endpoint.startswith("health.")
                                                                      and c.status == 503)], "server errors")


def test_owners_and_ops_do_see_b_values(matrix):
    """The controls: were the pages empty for everyone, the leak checks would pass for nothing."""
    seen = {(c.principal, c.endpoint) for c in matrix.calls if c.method == "GET" and c.shown
            and 200 <= c.status < 300}
    report([f"{principal:17} {endpoint}" for principal, endpoints in OWNER_MUST_SEE.items()
            for endpoint in sorted(endpoints) if (principal, endpoint) not in seen], "pages not showing B's data")
