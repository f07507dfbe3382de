"""The Flask application factory: settings, database per request, login, CSRF and blueprints."""
from __future__ import annotations

from flask import Flask, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from models.core.config import Settings, load_settings
from models.core.db import bind_database, database
from portal.error_pages import register_error_pages
from portal.i18n import init_i18n
from portal.metrics import ENDPOINT as METRICS_ENDPOINT
from portal.metrics import bp as metrics_bp
from portal.metrics import count_requests
from portal.outage import answer_database_outages
from portal.request_ids import add_request_ids
from portal.security_headers import add_security_headers, trust_proxies
from portal.unstorable_text import refuse_unstorable_text

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(session_id: str):
    # Blueprint modules load inside create_app, this one too. A session of an old session version is refused.
    from portal.auth import load_session_user

    return load_session_user(session_id)


def create_app(settings: Settings | None = None, *, test_config: dict | None = None) -> Flask:
    """Build the portal: defaults, then settings, then extensions and blueprints."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        OMS_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        # A little above the import limit, so an oversized upload meets the import's own clear 413.
        MAX_CONTENT_LENGTH=settings.import_max_bytes + 1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    bind_database(settings.database_url)
    add_request_ids(app)  # first, so every later hook's log lines carry the id
    count_requests(app)
    _open_database_per_request(app)
    answer_database_outages(app)
    register_error_pages(app)
    refuse_unstorable_text(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    init_i18n(app)
    add_security_headers(app, https=settings.portal_url.startswith("https://"))
    trust_proxies(app, settings.trusted_proxies)

    from portal import (
        account,
        allocation_settings,
        api,
        api_channels,
        api_dropship,
        api_events,
        api_forecasts,
        api_intake,
        api_order_changes,
        api_payments,
        api_purchasing,
        api_queues,
        api_replenishment,
        api_returns,
        api_scorecard,
        api_stock,
        api_webhooks,
        auth,
        batches,
        charts,
        credit_desk,
        exchange_rates,
        feedback,
        health,
        holds,
        intake_queue,
        inventory,
        list_exports,
        my_prices,
        ops,
        order_changes,
        prices,
        purchase_orders,
        purchase_receipts,
        queues,
        replenishment,
        reports,
        reports_customers,
        reports_cycle_times,
        reports_inventory,
        reports_returns,
        reports_sales,
        return_settings,
        returns,
        scorecard,
        shipment_documents,
        shipments,
        stuck_work,
        supplier_portal,
        tax_rates,
        tokens,
        tracking_page,
        users,
        webhooks,
    )

    for blueprint in (auth.bp, ops.bp, holds.bp, allocation_settings.bp, inventory.bp, batches.bp, intake_queue.bp,
                      health.bp, shipments.bp, tracking_page.bp, shipment_documents.bp, return_settings.bp,
                      returns.bp, feedback.bp, scorecard.bp, charts.bp, tokens.bp, users.bp, purchase_orders.bp,
                      purchase_receipts.bp, supplier_portal.bp, replenishment.bp,
                      credit_desk.bp,
                      order_changes.bp,
                      exchange_rates.bp,
                      prices.bp, my_prices.bp,
                      tax_rates.bp,
                      account.bp,
                      stuck_work.bp, list_exports.bp,
                      reports_inventory.bp,
                      reports_returns.bp,
                      reports.bp, reports_sales.bp, reports_customers.bp, reports_cycle_times.bp,
                      queues.bp,
                      webhooks.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(metrics_bp)  # /metrics: GET only, for scrapers, no login
    for blueprint in (api.bp, api_intake.bp, api_channels.bp, api_payments.bp, api_returns.bp, api_stock.bp,
                      api_events.bp, api_scorecard.bp, shipment_documents.api_bp, api_dropship.bp,
                      api_purchasing.bp, api_replenishment.bp, api_forecasts.bp,
                      stuck_work.api_bp,
                      exchange_rates.api_bp,
                      my_prices.api_bp,
                      reports_inventory.api_bp,
                      reports_returns.api_bp,
                      reports_sales.api_bp, reports_customers.api_bp, reports_cycle_times.api_bp,
                      api_queues.bp,
                      api_order_changes.bp,
                      api_webhooks.bp):
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens and signed webhooks, not cookies
    from portal.openapi.views import bp as openapi_bp

    app.register_blueprint(openapi_bp)  # /api/v1/openapi.json and /api/v1/docs: GET only, public
    return app


def _open_database_per_request(app: Flask) -> None:
    from portal.health import PROBE_ENDPOINTS

    # Probes answer whether or not the database does; static files (the outage page's stylesheet) need none.
    without_database = ("static", METRICS_ENDPOINT, *PROBE_ENDPOINTS)

    @app.before_request
    def _connect() -> None:
        if request.endpoint not in without_database:
            database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc) -> None:
        if not database.is_closed():
            database.close()
