"""Messages the models and the schemas hand the portal as plain strings, in the page's language: a domain sentence
kept as a Text (models.core.text_messages.TextMessage, or its stored JSON), or one of marshmallow's own default
messages, looked up by its exact English or, for those carrying values, by its pattern. Anything else as written."""
from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext

from models.core.text_messages import TextMessage
from portal.domain_text import translate_text

# marshmallow's defaults (fields.Field, fields.*, Schema): the exact English it writes
MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": lazy_gettext("Missing data for required field."),
    "Field may not be null.": lazy_gettext("Field may not be null."),
    "Invalid value.": lazy_gettext("Invalid value."),
    "Unknown field.": lazy_gettext("Unknown field."),
    "Invalid input type.": lazy_gettext("Invalid input type."),
    "Invalid type.": lazy_gettext("Invalid type."),
    "Not a valid string.": lazy_gettext("Not a valid string."),
    "Not a valid integer.": lazy_gettext("Not a valid integer."),
    "Not a valid number.": lazy_gettext("Not a valid number."),
    "Not a valid boolean.": lazy_gettext("Not a valid boolean."),
    "Not a valid date.": lazy_gettext("Not a valid date."),
    "Not a valid datetime.": lazy_gettext("Not a valid datetime."),
    "Not a valid time.": lazy_gettext("Not a valid time."),
    "Not a valid email address.": lazy_gettext("Not a valid email address."),
    "Not a valid URL.": lazy_gettext("Not a valid URL."),
    "Not a valid list.": lazy_gettext("Not a valid list."),
    "Not a valid mapping type.": lazy_gettext("Not a valid mapping type."),
    "Not a valid UUID.": lazy_gettext("Not a valid UUID."),
    "Not a valid IP address.": lazy_gettext("Not a valid IP address."),
    "Special numeric values (nan or infinity) are not permitted.":
        lazy_gettext("Special numeric values (nan or infinity) are not permitted."),
}
# marshmallow's defaults with values (validate.OneOf, Length, Range, Equal): pattern -> template
MARSHMALLOW_PATTERNS = tuple((re.compile(pattern), template) for pattern, template in (
    (r"Must be one of: (?P<choices>.*)\.", lazy_gettext("Must be one of: %(choices)s.")),
    (r"Length must be between (?P<min>\S+) and (?P<max>\S+)\.",
     lazy_gettext("Length must be between %(min)s and %(max)s.")),
    (r"Length must be (?P<equal>\S+)\.", lazy_gettext("Length must be %(equal)s.")),
    (r"Shorter than minimum length (?P<min>\S+)\.", lazy_gettext("Shorter than minimum length %(min)s.")),
    (r"Longer than maximum length (?P<max>\S+)\.", lazy_gettext("Longer than maximum length %(max)s.")),
    (r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
     lazy_gettext("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")),
    (r"Must be greater than (?P<min>\S+) and less than (?P<max>\S+)\.",
     lazy_gettext("Must be greater than %(min)s and less than %(max)s.")),
    (r"Must be greater than or equal to (?P<min>\S+)\.", lazy_gettext("Must be greater than or equal to %(min)s.")),
    (r"Must be greater than (?P<min>\S+)\.", lazy_gettext("Must be greater than %(min)s.")),
    (r"Must be less than or equal to (?P<max>\S+)\.", lazy_gettext("Must be less than or equal to %(max)s.")),
    (r"Must be less than (?P<max>\S+)\.", lazy_gettext("Must be less than %(max)s.")),
    (r"Must be equal to (?P<other>.*)\.", lazy_gettext("Must be equal to %(other)s.")),
))


def translate_message(message: object) -> str:
    """``message`` in the page's language: a TextMessage or Text (or its stored JSON) through the catalogue, a
    marshmallow default by its English; a fixed message the catalogue holds (schemas mark theirs with N_) by its
    English; any other string as written."""
    if isinstance(message, TextMessage):
        return translate_text(message.text)
    if not isinstance(message, str):
        return translate_text(message)
    known = MARSHMALLOW_MESSAGES.get(message)
    if known is not None:
        return str(known)
    for pattern, template in MARSHMALLOW_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return str(template) % found.groupdict()
    return gettext(message) if message else message

