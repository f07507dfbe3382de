"""The webhooks page: create with the secret shown once, the delivery log, redeliver, enable; partners their own."""

from models.webhooks.fanout import fan_out_events
from models.webhooks.tables import WebhookDelivery, WebhookSubscription
from tests.portal.conftest import place


def create(client, url="https://erp.example/hooks", events=("order.status_changed",)):
    return client.post("/webhooks", data={"url": url, "events": list(events), "description": "ERP"})


def test_a_distributor_creates_a_subscription_and_sees_its_secret_once(client, auth):
    auth.login_as("distributor")
    created = create(client)
    assert created.status_code == 200 and "whsec_" in created.text
    assert created.headers["Cache-Control"] == "no-store"
    subscription = WebhookSubscription.get()
    assert subscription.partner.code == "DIST1"
    assert "whsec_" not in client.get(f"/webhooks/{subscription.id}").text
    assert "whsec_" not in client.get("/webhooks").text


def test_a_bad_url_is_refused_naming_the_field(client, auth):
    auth.login_as("ops_admin")
    refused = create(client, url="ftp://erp.example/")
    assert refused.status_code == 422 and "url:" in refused.text
    assert WebhookSubscription.select().count() == 0


def test_the_log_shows_deliveries_and_redeliver_queues_one_again(client, auth):
    auth.login_as("distributor")
    create(client)
    subscription = WebhookSubscription.get()
    place("PAGE-HOOK")
    fan_out_events()
    delivery = WebhookDelivery.select().first()
    WebhookDelivery.update(status="failed", last_status_code=503).execute()
    page = client.get(f"/webhooks/{subscription.id}")
    assert delivery.message_id in page.text and "503" in page.text
    again = client.post(f"/webhooks/{subscription.id}/deliveries/{delivery.id}/redeliver")
    assert again.status_code == 302
    assert WebhookDelivery.get_by_id(delivery.id).status == "pending"


def test_disable_then_enable(client, auth):
    auth.login_as("supplier")
    create(client, events=("purchase_order.*",))
    subscription = WebhookSubscription.get()
    client.post(f"/webhooks/{subscription.id}/disable")
    assert not WebhookSubscription.get_by_id(subscription.id).active
    client.post(f"/webhooks/{subscription.id}/enable")
    assert WebhookSubscription.get_by_id(subscription.id).active


def test_others_cannot_see_or_touch_a_partners_subscription(client, auth):
    auth.login_as("distributor")
    create(client)
    subscription = WebhookSubscription.get()
    auth.logout()
    auth.login("dist2@relay.test")
    assert client.get(f"/webhooks/{subscription.id}").status_code == 404
    assert client.post(f"/webhooks/{subscription.id}/delete").status_code == 404
    assert WebhookSubscription.select().count() == 1
    auth.logout()
    auth.login_as("ops_agent")
    assert client.get("/webhooks").status_code == 403
