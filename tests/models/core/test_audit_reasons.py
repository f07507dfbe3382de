"""The audit trail's own reasons read back as the templates they were written with."""
import pytest

from models.core import audit_reasons
from models.core.audit_reasons import TEMPLATES, parse, say


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_reason_reads_back_as_its_template_and_values(template):
    names = audit_reasons._PLACEHOLDER.findall(template)
    values = {name: f"V-{name}" for name in names}
    parsed = parse(say(template, **values))
    assert parsed is not None and parsed.template == template and dict(parsed.values) == values


def test_the_most_literal_template_wins_and_free_text_is_left_alone():
    assert parse("waybill SBX1 cancelled: wrong parcel: too big").template == audit_reasons.WAYBILL_CANCELLED
    assert parse("waybill SBX1").template == audit_reasons.WAYBILL
    assert parse("carrier event delivered at Newark").template == audit_reasons.CARRIER_EVENT_AT
    assert parse("customer asked on the phone") is None
    assert len(TEMPLATES) == len(set(TEMPLATES)) > 25
