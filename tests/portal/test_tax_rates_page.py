"""The tax rates page: every ops role reads it, only an ops admin sets, imports or removes a rate."""
import io
from decimal import Decimal

from models.pricing.tax_tables import TaxRateRow

RATE = {"tax-tax_class": "standard", "tax-country": "gb", "tax-region": "", "tax-rate": "0.2", "tax-valid_from": "",
        "tax-name": "VAT standard"}


def test_an_admin_sets_imports_and_removes_rates_and_others_only_read(auth, client, app):
    auth.login_as("ops_agent")
    assert client.post("/ops/tax-rates", data=RATE).status_code == 403
    assert "Set rate" not in client.get("/ops/tax-rates").text
    auth.logout()
    auth.login_as("ops_admin")
    assert client.post("/ops/tax-rates", data=RATE).status_code == 302
    rate = TaxRateRow.get(TaxRateRow.country == "GB")
    assert (rate.rate, rate.region, rate.name, rate.updated_by) == (Decimal("0.2"), "", "VAT standard",
                                                                    "admin@relay.test")
    upload = {"upload-file": (io.BytesIO(b"tax_class,country,rate\nreduced,GB,0.05\nreduced,FR,5\n"), "tax.csv")}
    page = client.post("/ops/tax-rates/upload", data=upload, content_type="multipart/form-data",
                       follow_redirects=True).text
    assert "created 1, updated 0, unchanged 0, errors 1" in page and "row 3, rate:" in page
    assert "VAT standard" in page and "(whole country)" in page
    client.post(f"/ops/tax-rates/{rate.id}/delete")
    assert TaxRateRow.select().count() == 1
    auth.logout()
    auth.login_as("sales_manager")
    assert "reduced" in client.get("/ops/tax-rates").text
