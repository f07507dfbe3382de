"""`oms channel create` against a migrated SQLite file."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from models.core.db import bind_database, connection, database
from models.core.migrate import upgrade_database
from models.intake.tables import SalesChannel
from models.partners.tables import Partner
from portal.cli_channels import channel_command


@pytest.fixture
def cli_env(tmp_path, sqlite_url) -> dict:
    bind_database(sqlite_url)
    with connection():
        upgrade_database()
        Partner.create(code="CUST1", name="Customer One", kind="customer")
        Partner.create(code="SUP1", name="Supplier One", kind="supplier")
    return {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}


def create(cli_env, *args):
    return CliRunner().invoke(channel_command, ["create", *args], env=cli_env)


def stored(code: str) -> SalesChannel:
    with connection():
        return SalesChannel.get(SalesChannel.code == code)


def test_create_generates_and_prints_a_secret(cli_env):
    result = create(cli_env, "shop-cn", "--kind", "shopify", "--name", "Tea shop", "--customer", "CUST1",
                    "--region", "east", "--region-map", "SH=east, GD = south")
    assert result.exit_code == 0, result.output
    assert database.is_closed()  # the command closes what it opened
    assert "channel shop-cn (shopify) created; webhook: /api/v1/channels/shop-cn/webhook" in result.output
    secret = result.output.split("secret: ")[1].strip()
    assert len(secret) >= 32
    channel = stored("shop-cn")
    assert (channel.kind, channel.name, channel.webhook_secret, channel.default_region) == (
        "shopify", "Tea shop", secret, "east")
    assert channel.region_map == {"GD": "south", "SH": "east"}
    with connection():
        assert channel.customer.code == "CUST1"


def test_rerunning_updates_and_keeps_the_secret_unless_given(cli_env):
    first = create(cli_env, "woo", "--kind", "woocommerce", "--name", "Web", "--customer", "CUST1",
                   "--region-map", "CA=west")
    secret = first.output.split("secret: ")[1].strip()
    again = create(cli_env, "woo", "--kind", "woocommerce", "--name", "Web shop", "--customer", "CUST1")
    assert again.exit_code == 0 and "updated" in again.output and "secret:" not in again.output
    channel = stored("woo")
    assert (channel.name, channel.webhook_secret, channel.region_map) == ("Web shop", secret, {"CA": "west"})
    given = create(cli_env, "woo", "--kind", "woocommerce", "--name", "Web shop", "--customer", "CUST1",
                   "--secret", "chosen-secret", "--region-map", "")
    assert given.exit_code == 0 and "secret:" not in given.output
    channel = stored("woo")
    assert (channel.webhook_secret, channel.region_map) == ("chosen-secret", {})
    with connection():
        assert SalesChannel.select().count() == 1


@pytest.mark.parametrize("args, message", [
    (["--kind", "amazon"], "Invalid value for '--kind'"),
    (["--kind", "shopify", "--customer", "NOPE"], "no customer or distributor with code 'NOPE'"),
    (["--kind", "shopify", "--customer", "SUP1"], "no customer or distributor with code 'SUP1'"),
    (["--kind", "shopify", "--region-map", "SH"], "'SH' is not PROVINCE=REGION"),
])
def test_bad_options_are_refused(cli_env, args, message):
    base = {"--name": "X", "--customer": "CUST1"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    result = create(cli_env, "c1", *[part for pair in base.items() for part in pair])
    assert result.exit_code != 0
    assert message in result.output
    with connection():
        assert SalesChannel.select().count() == 0
