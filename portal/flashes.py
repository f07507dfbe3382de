"""Turning form and validation errors and import reports into flash messages, the same way on every ops page."""
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


def flash_import_report(filename: str, report, *, outcome: str = "") -> None:
    """An uploaded file's import report: the counts (``outcome`` appended), then each refused row by row and field,
    as ``oms import`` prints them."""
    flash(f"{filename}: created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
          f"errors {len(report.errors)}{outcome}", "error" if report.errors else "success")
    for error in report.errors[:50]:
        flash(f"row {error.row}, {error.field}: {error.message}", "error")
