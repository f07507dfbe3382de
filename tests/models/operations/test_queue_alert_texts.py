"""The queue alerts keep their template and values: the same English, and a Text for the portal to translate."""
from models.core.texts import Text
from models.operations.queue_rules import QueueReading, queue_alerts


def test_each_alert_is_its_english_with_its_text():
    one, many, idle = (QueueReading("oms_intake", 0, 0, 0, 1, 1), QueueReading("oms_review", 0, 0, 0, 3, 1),
                       QueueReading("oms_notify", 4, 0, 0, 0, 0))
    alerts = queue_alerts([one, many, idle], [1, 2, 3, 4, 9], stage_queues=("oms_notify",))
    assert alerts == ["oms_intake: 1 open dead letter", "oms_review: 3 open dead letters",
                      "oms_notify: 4 messages ready and no consumer (is `oms worker` running?)",
                      "outbox backlog growing over the last 5 samples (1 → 9): is `oms relay` running?"]
    assert [alert.text.template for alert in alerts[:2]] == ["%(queue)s: %(count)s open dead letter",
                                                             "%(queue)s: %(count)s open dead letters"]
    assert all(str(alert.text) == alert for alert in alerts)
    assert str(Text.from_json(alerts[3].text.as_json())) == alerts[3]
