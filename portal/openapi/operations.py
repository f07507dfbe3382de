"""How an API operation is described: its Flask rule, who may call it, what it takes and what it answers."""
from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema

# Answer bodies that are not JSON.
PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
CSV = {"text/csv": {"schema": {"type": "string"}}}

# Who proves what: a bearer API token, or an HMAC of the raw body by a carrier or a shop.
BEARER, CARRIER, CHANNEL, PUBLIC = "bearer", "carrier", "channel", "public"


@dataclass(frozen=True)
class Op:
    """One method on one Flask rule (written as under /api/v1). ``query`` and ``body`` are marshmallow schemas
    or JSON schemas; ``answers`` maps a success status to its body (a schema, a JSON schema, or a content map such
    as PDF); ``errors`` lists the error statuses the view gives besides those every operation can give."""

    method: str
    rule: str
    summary: str
    tag: str
    auth: str = BEARER
    roles: str = ""
    query: Schema | list[dict] | None = None
    body: Schema | dict | None = None
    body_required: bool = True
    body_content: dict | None = None  # a content map for bodies that are not (only) JSON
    answers: dict[int, object] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    description: str = ""


def obj(*names: str, required: bool = False) -> dict:
    """A JSON object with the named properties and room for more. ``name:type`` types a property (``type?`` may be
    null, ``[type]`` is an array of it); a bare name may hold any value."""
    properties = {}
    for name in names:
        key, _, kind = name.partition(":")
        properties[key] = _type(kind) if kind else {}
    schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = [name.partition(":")[0] for name in names]
    return schema


def array_of(item: dict | str) -> dict:
    return {"type": "array", "items": _type(item) if isinstance(item, str) else item}


def _type(kind: str) -> dict:
    if kind.startswith("[") and kind.endswith("]"):
        return array_of(kind[1:-1])
    if kind.endswith("?"):
        return {"type": [kind[:-1], "null"]}
    return {"type": kind}


def query(*params: tuple[str, str, str]) -> list[dict]:
    """Query parameters read straight from the query string: (name, JSON type, description)."""
    return [{"in": "query", "name": name, "required": False, "schema": {"type": kind}, "description": text}
            for name, kind, text in params]
