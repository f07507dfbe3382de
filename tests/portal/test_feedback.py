"""Customer feedback: the signed link, one rating per delivered order, and the averages ops read."""
import pytest

from models.core.errors import ValidationFailed
from models.returns.feedback import (
    average_by_sku,
    average_by_warehouse,
    feedback_token,
    feedback_url,
    order_for_token,
    record_feedback,
)
from models.returns.tables import OrderFeedback
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, delivered_order
from tests.models.shipping.test_tracking_lookup import tracked_order


@pytest.fixture
def delivered(app):
    allow_repeat_orders()
    return delivered_order()


def page_of(app, order_id: int) -> str:
    return f"/feedback/{feedback_token(order_id, app.config['OMS_SETTINGS'].secret_key)}"


def test_a_token_names_its_order_only_with_the_right_secret():
    token = feedback_token(42, "secret")
    assert order_for_token(token, "secret") == 42
    assert order_for_token(token, "another secret") is None
    assert order_for_token(token[:-2] + ("A" if token[-1] != "A" else "B") + token[-1], "secret") is None
    assert order_for_token("not-a-token", "secret") is None
    assert order_for_token(feedback_token("42", "secret"), "secret") is None  # made for something else


def test_the_feedback_url_points_at_the_public_page(tmp_path):
    settings = settings_for(tmp_path, OMS_PORTAL_URL="https://shop.example", OMS_SECRET_KEY="s3cret")
    url = feedback_url(7, settings)
    assert url.startswith("https://shop.example/feedback/")
    assert order_for_token(url.rsplit("/", 1)[1], "s3cret") == 7


def test_a_delivered_order_is_rated_once(client, app, delivered):
    form = client.get(page_of(app, delivered.id))
    assert form.status_code == 200 and 'name="rating"' in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer" and form.headers["Cache-Control"] == "no-store"
    done = client.post(page_of(app, delivered.id), data={"rating": "4", "comment": "Quick, well packed"})
    assert done.status_code == 200 and "Thanks for rating order PO-1" in done.get_data(as_text=True)
    stored = OrderFeedback.get()
    assert (stored.order_id, stored.rating, stored.comment) == (delivered.id, 4, "Quick, well packed")

    again = client.post(page_of(app, delivered.id), data={"rating": "1"})
    assert "thanks, we already have your rating" in again.get_data(as_text=True).lower()
    assert "we already have your rating" in client.get(page_of(app, delivered.id)).get_data(as_text=True)
    assert OrderFeedback.get().rating == 4
    assert record_feedback(delivered.id, 2, "") is False


def test_a_tampered_or_unknown_token_is_404(client, app, delivered):
    token = page_of(app, delivered.id).rsplit("/", 1)[1]
    assert client.get(f"/feedback/{token}x").status_code == 404
    assert client.get(f"/feedback/{feedback_token(delivered.id, 'someone else')}").status_code == 404
    assert client.get(page_of(app, 999_999)).status_code == 404
    assert client.post(f"/feedback/{token}x", data={"rating": "5"}).status_code == 404


@pytest.mark.parametrize("rating", ["0", "6", "", "five"])
def test_a_rating_outside_one_to_five_is_refused(client, app, delivered, rating):
    response = client.post(page_of(app, delivered.id), data={"rating": rating})
    assert response.status_code == 422
    assert OrderFeedback.select().count() == 0


@pytest.mark.parametrize("rating, comment, field", [(0, "", "rating"), (6, "", "rating"), (True, "", "rating"),
                                                    (3, "x" * 2001, "comment")])
def test_the_model_names_the_field_it_refuses(app, delivered, rating, comment, field):
    with pytest.raises(ValidationFailed) as refused:
        record_feedback(delivered.id, rating, comment)
    assert list(refused.value.messages) == [field]


def test_an_order_not_delivered_cannot_be_rated(client, app):
    order = tracked_order()
    with pytest.raises(ValidationFailed) as refused:
        record_feedback(order.id, 5, "")
    assert "order_id" in refused.value.messages
    page = client.post(page_of(app, order.id), data={"rating": "5"}).get_data(as_text=True)
    assert "once it has been delivered" in page
    assert OrderFeedback.select().count() == 0


def test_ops_read_the_ratings_and_their_averages_per_sku_and_warehouse(client, auth, app, delivered):
    gadget_only = delivered_order("PO-2", lines=[{"sku": "GADGET", "quantity": 1}])
    assert record_feedback(delivered.id, 5, "Great")
    assert record_feedback(gadget_only.id, 2, "Late <b>again</b>")
    by_sku = {a.key: (a.ratings, str(a.average)) for a in average_by_sku()}
    assert by_sku == {"WIDGET": (1, "5.00"), "GADGET": (2, "3.50")}
    assert [(a.key, a.ratings, str(a.average)) for a in average_by_warehouse()] == [("EAST", 2, "3.50")]

    auth.login_as("ops_agent")
    page = client.get("/ops/feedback").get_data(as_text=True)
    assert "Great" in page and "Late &lt;b&gt;again&lt;/b&gt;" in page and "PO-2" in page
    assert "3.50" in page and "5.00" in page and "East DC" in page
    auth.logout()
    auth.login_as("distributor")
    assert client.get("/ops/feedback").status_code == 403
