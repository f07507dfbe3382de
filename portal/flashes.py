"""Turning form and validation errors and import reports into flash messages, the same way on every ops page."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext
from flask_wtf import FlaskForm

from portal.model_messages import translate_message


def flash_form_errors(form: FlaskForm) -> None:
    """Each message of a form that did not validate, as an error (a lazy message in the page's language)."""
    for messages in form.errors.values():
        for message in messages:
            flash(str(message), "error")


def exception_message(exc: Exception) -> str:
    """What an exception from the models says, in the page's language (its first argument keeps the template)."""
    return translate_message(exc.args[0] if exc.args else str(exc))


def flash_validation(messages: dict) -> None:
    """Each problem of a ValidationFailed, prefixed with the field it names, in the page's language."""
    for field, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            flash(gettext("%(field)s: %(problem)s", field=field, problem=translate_message(problem)), "error")


def flash_import_report(filename: str, report, *, outcome: str = "") -> None:
    """An uploaded file's import report: the counts (``outcome`` appended), then each refused row by row and field,
    as ``oms import`` prints them."""
    flash(gettext("%(file)s: created %(created)s, updated %(updated)s, unchanged %(unchanged)s, errors %(errors)s",
                  file=filename, created=report.created, updated=report.updated, unchanged=report.unchanged,
                  errors=len(report.errors)) + outcome, "error" if report.errors else "success")
    for error in report.errors[:50]:
        flash(gettext("row %(row)s, %(field)s: %(message)s", row=error.row, field=error.field,
                      message=translate_message(error.message)), "error")
