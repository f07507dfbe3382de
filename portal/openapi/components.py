"""The parts every operation shares: the error body, the error answers and the security schemes."""
from __future__ import annotations

from apispec import APISpec

from models.shipping.webhook_signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from portal.api_channels import SIGNATURE_HEADERS

ERROR = {
    "type": "object", "required": ["error"], "additionalProperties": True,
    "properties": {
        "error": {"type": "string", "description": "what is wrong, in words"},
        "errors": {"description": "the fields at fault and their messages, as {field: [message, …]} (nested for "
                                  "nested bodies, by index for lists)"},
        "reason": {"type": "string", "description": "why a change was refused (409 on PATCH /orders/{order_id})"},
    },
}
ERRORS = {
    400: ("BadRequest", "The body is not a JSON object, nests too deep, or a query parameter holds text no "
                        "database can store"),
    401: ("Unauthorized", "Missing or invalid bearer token, or a webhook's missing or invalid signature"),
    403: ("Forbidden", "The token's role may not do this"),
    404: ("NotFound", "No such record, or one the token may not see"),
    409: ("Conflict", "The record's state forbids this step now"),
    413: ("PayloadTooLarge", "The upload is over the size limit"),
    422: ("UnprocessableEntity", "The body or a query parameter failed validation; ``errors`` names the fields"),
    503: ("ServiceUnavailable", "The database is unavailable; try again after Retry-After seconds"),
}
SECURITY_SCHEMES = {
    "bearerToken": {"type": "http", "scheme": "bearer",
                    "description": "An API token a user creates under Tokens in the portal: "
                                   "``Authorization: Bearer <token>``; the token acts with its user's role."},
    "carrierSignature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADER,
                         "description": f"Hex HMAC-SHA256 of ``<{TIMESTAMP_HEADER}>.<raw body>`` with "
                                        "OMS_CARRIER_WEBHOOK_SECRET."},
    "carrierTimestamp": {"type": "apiKey", "in": "header", "name": TIMESTAMP_HEADER,
                         "description": "Unix seconds when the carrier signed; old timestamps are refused."},
    "shopifySignature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADERS["shopify"],
                         "description": "Base64 HMAC-SHA256 of the raw body with the channel's webhook secret."},
    "wooCommerceSignature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADERS["woocommerce"],
                             "description": "Base64 HMAC-SHA256 of the raw body with the channel's webhook secret."},
}
SECURITY = {
    "bearer": [{"bearerToken": []}],
    "carrier": [{"carrierSignature": [], "carrierTimestamp": []}],
    "channel": [{"shopifySignature": []}, {"wooCommerceSignature": []}],
    "public": [],
}


def add_components(spec: APISpec) -> None:
    spec.components.schema("Error", ERROR)
    for _status, (name, description) in ERRORS.items():
        spec.components.response(name, {"description": description,
                                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
