"""A supply alert keeps its message's template and values beside the English: the alerts page translates it."""
from datetime import timedelta

from models.core.base import utc_now
from models.supply.alerts import open_supply_alerts, sweep_supply_alerts
from models.supply.tables import SupplyAlert
from tests.dropship_support import (
    DROP_ONLY,
    allocated_order,
    dropship_po,
    make_dropship_world,
)


def test_the_stored_text_reads_as_the_stored_english(any_db):
    make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY, confirm_within=timedelta(hours=24))
    purchase = dropship_po(order_id)
    assert sweep_supply_alerts(utc_now() + timedelta(hours=25)) == 1
    [alert] = open_supply_alerts()
    assert alert.message.startswith(f"{purchase.number}: SUP1 has not confirmed the drop-ship of order DS-1, due by ")
    assert alert.message_words.template.startswith("%(number)s: %(supplier)s has not confirmed")
    assert str(alert.message_words) == alert.message


def test_an_alert_stored_before_templates_reads_its_english(any_db):
    assert SupplyAlert(message="PO-1: written before", message_text=None).message_words == "PO-1: written before"
