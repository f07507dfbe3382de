"""`oms channel create`: register (or update) a marketplace channel that posts orders to the webhook."""
from __future__ import annotations

import json
import secrets

import click

from models.intake.tables import CHANNEL_KINDS, SalesChannel
from models.partners.tables import Partner
from portal.cli_support import cli_context


@click.group("channel")
def channel_command() -> None:
    """Marketplace channels (Shopify, WooCommerce) and their webhook secrets."""


@channel_command.command("create")
@click.argument("code")
@click.option("--kind", required=True, type=click.Choice(CHANNEL_KINDS))
@click.option("--name", required=True, help="what ops see, e.g. the shop's name")
@click.option("--customer", "customer_code", required=True, help="code of the buyer the channel's orders bill to")
@click.option("--region", "default_region", default=None, help="region for provinces not in --region-map")
@click.option("--region-map", default=None, help='province code or name → region, e.g. "SH=east,GD=south"')
@click.option("--secret", default=None, help="the webhook secret the shop signs with; generated when omitted")
def create_channel(code: str, kind: str, name: str, customer_code: str, default_region: str | None,
                   region_map: str | None, secret: str | None) -> None:
    """Create channel CODE, or update it when it exists (options not given keep their value).

    The webhook URL is /api/v1/channels/CODE/webhook; the secret is printed when it was generated.
    """
    code = code.strip()
    if not code or len(code) > 32:
        raise click.BadParameter("1 to 32 characters", param_hint="CODE")
    mapping = None if region_map is None else parse_region_map(region_map)
    with cli_context():
        customer = Partner.get_or_none(Partner.code == customer_code)
        if customer is None or not customer.is_buyer:
            raise click.ClickException(f"no customer or distributor with code {customer_code!r}")
        channel = SalesChannel.get_or_none(SalesChannel.code == code)
        generated = secret is None and channel is None
        secret = secret or (channel.webhook_secret if channel else secrets.token_urlsafe(32))
        values = {"kind": kind, "name": name, "customer": customer, "webhook_secret": secret}
        if default_region is not None:
            values["default_region"] = default_region.strip()
        if mapping is not None:
            values["region_map_json"] = json.dumps(mapping, sort_keys=True)
        if channel is None:
            SalesChannel.create(code=code, **values)
        else:
            SalesChannel.update(values).where(SalesChannel.id == channel.id).execute()
    click.echo(f"channel {code} ({kind}) {'updated' if channel else 'created'}; "
               f"webhook: /api/v1/channels/{code}/webhook")
    if generated:
        click.echo(f"secret: {secret}")


def parse_region_map(text: str) -> dict[str, str]:
    """ "SH=east, GD=south" → {"SH": "east", "GD": "south"}; a blank text clears the map."""
    mapping = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        province, sep, region = (s.strip() for s in pair.partition("="))
        if not sep or not province or not region:
            raise click.BadParameter(f"{pair!r} is not PROVINCE=REGION", param_hint="--region-map")
        mapping[province] = region
    return mapping
