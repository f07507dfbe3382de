"""The returns' validation messages read as before in English and keep their Text for the portal."""
from __future__ import annotations

import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.returns.photos import UploadedPhoto, check_photos
from models.returns.settings import settings_from_form
from tests.models.returns.test_settings import form


def test_settings_messages_read_as_before_and_keep_their_text():
    with pytest.raises(ValidationFailed) as refused:
        settings_from_form(form(window_days="soon", max_return_rate="130%", enabled=["window", "telepathy"]))
    messages = refused.value.messages
    assert messages["window_days"] == ["a whole number of days from 0 to 3650"]
    assert messages["max_return_rate"] == ["a share from 0 to 1 such as 0.30, or a percentage such as 30%, "
                                           "to at most 0.01 %"]
    assert messages["enabled"][0].startswith("unknown telepathy; choose from ")
    for problems in messages.values():
        assert all(isinstance(problem, TextMessage) and isinstance(problem.text, Text) for problem in problems)
    assert messages["window_days"][0].text.template == "a whole number of days from 0 to %(most)s"


def test_photo_messages_read_as_before_and_keep_their_text():
    photos = [UploadedPhoto("a.txt", "text/plain", b"hello"), UploadedPhoto("", "image/png", b"nope")]
    with pytest.raises(ValidationFailed) as refused:
        check_photos(photos)
    problems = refused.value.messages["photos"]
    assert problems == ["a.txt is not a JPEG, PNG or WebP image", "unnamed file is not a JPEG, PNG or WebP image"]
    assert all(isinstance(problem, TextMessage) for problem in problems)
    assert problems[1].text.values["name"] == Text("unnamed file")
    assert Text.from_json(problems[1].text.as_json()) == problems[1].text
