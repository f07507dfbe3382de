"""Ids no database can hold answer 4xx naming the parameter, never a 500."""
import pytest

from models.partners.tables import ApiToken, User
from tests.portal.conftest import USERS

HUGE = str(2**64)


@pytest.mark.parametrize("path", [f"/ops/shipments?before={HUGE}", f"/ops/returns?view=all&cursor={HUGE}",
                                  f"/returns?before={HUGE}", f"/ops/feedback?before={HUGE}",
                                  "/ops/shipments?before=abc", "/ops/shipments?before=-1"])
def test_a_page_cursor_that_cannot_be_an_id_is_a_400(client, auth, path):
    auth.login(USERS["ops_admin"][0])
    response = client.get(path)
    assert response.status_code == 400
    assert b"must be an id" in response.data


def test_api_return_ids_beyond_the_database_are_refused_or_not_found(client):
    user = User.get(User.email == USERS["ops_admin"][0])
    headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    body = {"order_id": 2**64, "resolution": "refund", "reason": "damaged", "lines": [{"sku": "WIDGET", "quantity": 1}]}
    refused = client.post("/api/v1/returns", json=body, headers=headers)
    assert refused.status_code == 422 and "order_id" in refused.get_json()["errors"]
    assert client.get(f"/api/v1/returns/{HUGE}", headers=headers).status_code == 404
