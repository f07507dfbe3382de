"""POST /api/v1/orders/import and the batch reads, with real tokens on the portal's app."""
import io

from models.intake.tables import ImportBatch
from models.orders.tables import Order
from models.partners.tables import ApiToken, User
from tests.models.intake.test_file_import import HEADER, line
from tests.portal.conftest import USERS


def token_for(email: str) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == email))}"}


def upload(client, headers, text: str, filename="orders.csv", **kwargs):
    return client.post("/api/v1/orders/import", headers=headers,
                       data={"file": (io.BytesIO(text.encode()), filename)}, **kwargs)


GOOD = "\n".join([HEADER, line("API-1"), line("API-1", sku="GADGET", price=""), line("API-2", qty="-1")])


def test_import_returns_the_result_and_records_the_batch(client):
    response = upload(client, token_for(USERS["ops_agent"][0]), GOOD)
    assert response.status_code == 200, response.json
    body = response.json
    assert {k: body[k] for k in ("orders_accepted", "orders_rejected", "orders_duplicate", "lines_accepted")} == \
        {"orders_accepted": 1, "orders_rejected": 1, "orders_duplicate": 0, "lines_accepted": 2}
    assert body["errors"] == [{"row": 4, "external_ref": "API-2", "field": "quantity",
                               "message": "must be a whole number of at least 1"}]
    assert Order.get(Order.external_ref == "API-1").submitted_by == USERS["ops_agent"][0]
    again = upload(client, token_for(USERS["ops_agent"][0]), GOOD).json
    assert (again["orders_accepted"], again["orders_duplicate"]) == (0, 1)


def test_distributor_import_and_batch_access(client):
    dist = token_for(USERS["distributor"][0])
    batch_id = upload(client, dist, GOOD).json["batch_id"]
    assert ImportBatch.get_by_id(batch_id).distributor.code == "DIST1"
    assert Order.get(Order.external_ref == "API-1").placed_by.code == "DIST1"
    own = client.get(f"/api/v1/imports/{batch_id}", headers=dist)
    assert own.status_code == 200 and own.json["status"] == "completed" and own.json["orders_accepted"] == 1
    assert client.get(f"/api/v1/imports/{batch_id}", headers=token_for("dist2@relay.test")).status_code == 404
    assert client.get(f"/api/v1/imports/{batch_id}", headers=token_for(USERS["ops_admin"][0])).status_code == 200
    report = client.get(f"/api/v1/imports/{batch_id}/errors.csv", headers=dist)
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert report.text.splitlines() == ["row,external_ref,field,message",
                                        "4,API-2,quantity,must be a whole number of at least 1"]
    assert client.get(f"/api/v1/imports/{batch_id}/errors.csv",
                      headers=token_for("dist2@relay.test")).status_code == 404


def test_refusals_413_422_and_roles(client, app):
    ops = token_for(USERS["ops_agent"][0])
    app.config["OMS_SETTINGS"] = type(app.config["OMS_SETTINGS"])(
        **{**app.config["OMS_SETTINGS"].__dict__, "import_max_bytes": 200})
    too_big = upload(client, ops, GOOD)
    assert too_big.status_code == 413 and "larger than the limit of 200 bytes" in too_big.json["error"]
    assert ImportBatch.select().count() == 0 and Order.select().count() == 0
    app.config["OMS_SETTINGS"] = type(app.config["OMS_SETTINGS"])(
        **{**app.config["OMS_SETTINGS"].__dict__, "import_max_bytes": 10_000})
    missing = upload(client, ops, "external_ref,sku\nX,WIDGET\n")
    assert missing.status_code == 422 and "missing required columns" in missing.json["error"]
    assert ImportBatch.get().status == "failed"
    assert client.post("/api/v1/orders/import", headers=ops).status_code == 400
    assert upload(client, token_for(USERS["supplier"][0]), GOOD).status_code == 403
    assert upload(client, {}, GOOD).status_code == 401
