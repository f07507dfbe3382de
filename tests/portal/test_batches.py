"""The portal's import pages: upload, batch list and detail, error report, column mapping, isolation."""
import io

from models.intake.tables import ColumnMapping, ImportBatch
from models.orders.tables import Order
from models.partners.tables import Partner
from tests.models.intake.test_file_import import HEADER, line

TEXT = "\n".join([HEADER, line("WEB-1"), line("WEB-2", sku="NOPE")])


def post_file(client, text=TEXT, filename="orders.csv"):
    return client.post("/imports", data={"file": (io.BytesIO(text.encode()), filename)},
                       content_type="multipart/form-data")


def test_upload_shows_the_batch_with_its_orders_and_errors(client, auth):
    auth.login_as("ops_agent")
    response = post_file(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "WEB-1" in page and "status-reviewing" in page  # the order with its live status: in review
    assert "unknown SKU &#39;NOPE&#39;" in page and "errors.csv" in page
    batch = ImportBatch.get()
    listing = client.get("/imports").text
    assert "orders.csv" in listing and f"/imports/{batch.id}" in listing and ">Imports<" in listing
    report = client.get(f"/imports/{batch.id}/errors.csv")
    assert report.status_code == 200 and "3,WEB-2,sku" in report.text


def test_refused_file_is_flashed_and_listed_as_failed(client, auth):
    auth.login_as("ops_agent")
    response = post_file(client, "a,b\n1,2\n")
    page = client.get(response.headers["Location"]).text
    assert "was refused" in page and "missing required columns" in page and "status-failed" in page


def test_distributors_see_only_their_own_batches(client, auth):
    auth.login_as("distributor")
    post_file(client)
    batch = ImportBatch.get()
    assert batch.distributor.code == "DIST1" and Order.get().placed_by.code == "DIST1"
    auth.logout()
    auth.login("dist2@relay.test")
    assert client.get(f"/imports/{batch.id}").status_code == 404
    assert client.get(f"/imports/{batch.id}/errors.csv").status_code == 404
    assert f'href="/imports/{batch.id}"' not in client.get("/imports").text
    auth.logout()
    auth.login_as("supplier")
    assert client.get("/imports").status_code == 403


def test_mapping_editor_validates_and_is_used_for_uploads(client, auth):
    auth.login_as("distributor")
    bad = client.post("/imports/mapping", data={"lines": "订单号 = order_id"})
    assert bad.status_code == 422 and "not an import field" in bad.text
    lines = ("订单号 = external_ref\n客户编码 = customer_code\n数量 = quantity\n货号 = sku\n币种 = currency\n"
             "收货人 = Ship To Name\n地址 = ship_to_address\n城市 = ship_to_city\n地区 = ship_to_region\n国家 = ship_to_country")
    assert client.post("/imports/mapping", data={"lines": lines}).status_code == 302
    saved = ColumnMapping.get(ColumnMapping.distributor == Partner.get(Partner.code == "DIST1"))
    assert saved.mapping["收货人"] == "ship_to_name" and len(saved.mapping) == 10
    assert "订单号 = external_ref" in client.get("/imports/mapping").text
    post_file(client, "订单号,客户编码,货号,数量,币种,收货人,地址,城市,地区,国家\nZH-1,CUST1,WIDGET,2,USD,李四,上海,上海,R1,CN\n")
    assert Order.get(Order.external_ref == "ZH-1").ship_to_name == "李四"
    auth.logout()
    auth.login_as("ops_agent")
    assert client.get("/imports/mapping").status_code == 403
