"""The mail intake queue's refusals read exactly as before and keep their template."""
import pytest

from models.core.errors import NotFound
from models.core.text_messages import TextMessage
from models.intake.mail import discard_message, mark_converted


def test_unknown_mail_and_order_are_refused_with_their_template(any_db):
    with pytest.raises(NotFound) as caught:
        discard_message(424242, user=None)
    assert str(caught.value) == "there is no mail 424242" and isinstance(caught.value.args[0], TextMessage)
    with pytest.raises(NotFound) as caught:
        mark_converted(1, order_id=424242, user=None)
    assert str(caught.value) == "there is no order 424242"
    assert caught.value.args[0].text.template == "there is no order %(id)s"
