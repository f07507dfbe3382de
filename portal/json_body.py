"""The one reader of JSON request bodies: strict JSON, bounded nesting, only text a database can store.

``json.loads`` recurses once per nesting level: a body of 100,000 brackets raises RecursionError (a 500), and
one just under the interpreter's limit would still take the schemas and error pages deep. No endpoint takes more
than a few levels, so the depth is capped well below; NaN and Infinity (not JSON) are refused.
"""
from __future__ import annotations

import json

from flask import request

from models.core.errors import BodyNotAnObject, BodyTooDeep, ValidationFailed
from schemas.fields import unstorable_text

MAX_DEPTH = 32
NOT_AN_OBJECT = "expected a JSON object body with Content-Type: application/json"


def parse_json(raw: bytes | str) -> object:
    """The JSON value of ``raw``: BodyNotAnObject (400) when it is not JSON, BodyTooDeep (400) when it nests
    deeper than MAX_DEPTH, ValidationFailed (422, naming the field) when its text cannot be stored."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise BodyTooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # including a body that is not UTF-8
        raise BodyNotAnObject(f"the body is not JSON; {NOT_AN_OBJECT}") from None
    if _depth(value) > MAX_DEPTH:
        raise BodyTooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    problems = unstorable_text(value)
    if problems is not None:
        raise ValidationFailed(problems if isinstance(problems, dict) else {"_schema": problems})
    return value


def json_object_body() -> dict:
    """The request's JSON object body; BodyNotAnObject (400) for anything else (see parse_json)."""
    if not request.is_json:
        raise BodyNotAnObject(NOT_AN_OBJECT)
    body = parse_json(request.get_data(cache=True))
    if not isinstance(body, dict):
        raise BodyNotAnObject(NOT_AN_OBJECT)
    return body


def optional_json_object_body() -> dict:
    """Like json_object_body, but no body at all is an empty object (for steps whose fields are all optional)."""
    return json_object_body() if request.get_data(cache=True) else {}


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _depth(value: object) -> int:
    """How deep lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:  # past the cap the answer is known
            stack.extend((child, level + 1) for child in children)
    return deepest
