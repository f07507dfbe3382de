"""Where orders come from: import batches (files, mail attachments) with their row errors, distributors'
column mappings, marketplace channels, and inbound mail that could not be read as orders."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.partners.tables import Partner, User

CHANNEL_KINDS = ("shopify", "woocommerce")


class ImportBatch(BaseModel):
    """One uploaded (or mailed) order file and what became of it."""

    channel = peewee.CharField(max_length=16, default="file")  # file, email
    distributor = peewee.ForeignKeyField(Partner, null=True, backref="import_batches", on_delete="RESTRICT")
    submitted_by = peewee.CharField(max_length=254)  # user email, or the mail sender
    filename = peewee.CharField(max_length=255)
    stored_path = peewee.CharField(max_length=500, default="")  # the source file, kept under the data dir
    sha256 = peewee.CharField(max_length=64, index=True)
    size_bytes = peewee.BigIntegerField(default=0)
    status = peewee.CharField(max_length=16, default="processing")  # processing, completed, failed
    rows = peewee.IntegerField(default=0)
    orders_accepted = peewee.IntegerField(default=0)
    orders_rejected = peewee.IntegerField(default=0)
    orders_duplicate = peewee.IntegerField(default=0)
    lines_accepted = peewee.IntegerField(default=0)
    failure = peewee.TextField(default="")  # why a whole file was refused
    created_at = peewee.DateTimeField(default=utc_now)
    finished_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("distributor", "created_at"), False),)


class ImportRowError(BaseModel):
    batch = peewee.ForeignKeyField(ImportBatch, backref="errors", on_delete="CASCADE")
    row = peewee.IntegerField()  # line number in the file, header = 1
    external_ref = peewee.CharField(max_length=128, default="")
    field = peewee.CharField(max_length=64, default="")
    message = peewee.TextField()
    message_text = peewee.TextField(null=True)  # the message's template and values as JSON (models.core.texts)

    class Meta:
        indexes = ((("batch", "row"), False),)


class ColumnMapping(BaseModel):
    """A distributor's own headers → canonical import fields, applied to its uploads."""

    distributor = peewee.ForeignKeyField(Partner, unique=True, backref="column_mapping", on_delete="CASCADE")
    mapping_json = peewee.TextField(default="{}")
    updated_at = peewee.DateTimeField(default=utc_now)

    @property
    def mapping(self) -> dict[str, str]:
        return json.loads(self.mapping_json)


class SalesChannel(BaseModel):
    """A marketplace or web shop that posts orders to /api/v1/channels/<code>/webhook."""

    code = peewee.CharField(max_length=32, unique=True)
    kind = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=200)
    webhook_secret = peewee.CharField(max_length=255)
    customer = peewee.ForeignKeyField(Partner, backref="sales_channels", on_delete="RESTRICT")
    default_region = peewee.CharField(max_length=64, default="")
    region_map_json = peewee.TextField(default="{}")  # province code or name → our region
    active = peewee.BooleanField(default=True)

    class Meta:
        constraints = [peewee.Check("kind IN ('shopify', 'woocommerce')")]

    @property
    def region_map(self) -> dict[str, str]:
        return json.loads(self.region_map_json)


class IntakeMessage(BaseModel):
    """An inbound mail: imported (it carried an order file from a distributor) or left for ops."""

    message_id = peewee.CharField(max_length=255, unique=True)
    mail_from = peewee.CharField(max_length=254)
    subject = peewee.CharField(max_length=500, default="")
    body_text = peewee.TextField(default="")
    stored_path = peewee.CharField(max_length=500, default="")  # the raw message
    status = peewee.CharField(max_length=16, default="unparsed")  # imported, unparsed, converted, discarded
    batch = peewee.ForeignKeyField(ImportBatch, null=True, backref="messages", on_delete="SET NULL")
    handled_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_note = peewee.TextField(default="")
    received_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("status", "received_at"), False),)


register_tables(ImportBatch, ImportRowError, ColumnMapping, SalesChannel, IntakeMessage)
