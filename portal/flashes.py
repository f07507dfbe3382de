"""Turning form and validation errors into flash messages, the same way on every ops page."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm


def flash_form_errors(form: FlaskForm) -> None:
    """Each message of a form that did not validate, as an error."""
    for messages in form.errors.values():
        for message in messages:
            flash(message, "error")


def flash_validation(messages: dict) -> None:
    """Each problem of a ValidationFailed, prefixed with the field it names."""
    for field, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            flash(f"{field}: {problem}", "error")
