"""The queue cockpit's API bodies: the dead-letter list query, decisions (one or many) and a dead letter out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.operations.dead_letters import MAX_BULK, MAX_PAGE, PAGE_SIZE
from models.operations.queue_rules import DEAD_LETTER_STATUSES, MAX_NOTE_CHARS
from schemas.fields import InputSchema, UtcDateTime

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class DeadLetterQuerySchema(InputSchema):
    queue = fields.String(load_default="", validate=validate.Length(max=64))
    status = fields.String(load_default="open", validate=validate.OneOf(("", *DEAD_LETTER_STATUSES)))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE))


class DecisionSchema(InputSchema):
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE_CHARS))


class BulkDecisionSchema(DecisionSchema):
    ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), load_default=list,
                      validate=validate.Length(max=MAX_BULK))
    queue = fields.String(load_default="", validate=validate.Length(max=64))


class DeadLetterOut(Schema):
    id = fields.Integer()
    message_id = fields.String()
    queue = fields.String()
    actor = fields.String()
    args = fields.Raw()
    error = fields.String()
    failed_at = UtcDateTime(format="iso")
    status = fields.String()
    decided_by = fields.String()
    decided_at = UtcDateTime(format="iso", allow_none=True)
    note = fields.String()
    retried_as = fields.String()
    order_ids = fields.List(fields.Integer())
    return_ids = fields.List(fields.Integer())


dead_letter_query_schema = DeadLetterQuerySchema()
decision_schema = DecisionSchema()
bulk_decision_schema = BulkDecisionSchema()
dead_letter_out = DeadLetterOut()
dead_letters_out = DeadLetterOut(many=True)
