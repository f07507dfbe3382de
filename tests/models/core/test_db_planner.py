"""The application's PostgreSQL connections price a page read out of order as memory does, unless the database
URL sets its own options."""
import pytest

from models.core.db import bind_database, database


@pytest.mark.postgres
def test_connections_read_pages_out_of_order_at_memorys_price(postgres_url):
    bind_database(postgres_url)
    assert database.execute_sql("SHOW random_page_cost").fetchone() == ("1.1",)
    database.close()


@pytest.mark.postgres
def test_a_url_with_its_own_options_keeps_them(postgres_url):
    separator = "&" if "?" in postgres_url else "?"
    bind_database(f"{postgres_url}{separator}options=-c%20random_page_cost%3D3")
    assert database.execute_sql("SHOW random_page_cost").fetchone() == ("3",)
    database.close()
