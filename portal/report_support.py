"""What every report page and report API shares: the date range and filters from the query string, the CSV
export, and the form that sets them. A report module reads its arguments here and answers with ``csv_download``
when ``wants_csv()``; its page includes ``reports/_range_form.html``."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext

from models.core.base import utc_now
from models.core.csv_export import csv_lines
from models.core.errors import ValidationFailed
from models.reports.periods import DateRange, parse_group, parse_range
from portal.i18n import current_language
from portal.languages import DEFAULT
from portal.model_messages import translate_message


def english_or(english: str, translated: object) -> str:
    """``english`` on an English page, as the reports have always written it; ``translated`` in other languages.
    For a word whose English msgid would clash with another meaning ("By" is an actor elsewhere, "lost" a parcel)
    or a code the English page shows as it is."""
    return english if current_language() == DEFAULT else str(translated)


def today() -> date:
    """Today in UTC, the day reports end on by default."""
    return utc_now().date()


def report_range(*, default_days: int = 30) -> DateRange:
    """The ``from``/``to`` query parameters as a range (ValidationFailed naming the wrong one: 422 on the API,
    400 on a page through ``page_errors``)."""
    return parse_range(request.args.get("from"), request.args.get("to"), today=today(), default_days=default_days)


def report_group(default: str = "day") -> str:
    return parse_group(request.args.get("group"), default=default)


def choice_arg(name: str, allowed: Sequence[str], default: str | None = None) -> str | None:
    """The query parameter ``name``, one of ``allowed`` (``default`` when absent); ValidationFailed otherwise."""
    value = request.args.get(name) or default
    if value is not None and value not in allowed:
        raise ValidationFailed({name: [gettext("must be one of %(choices)s", choices=", ".join(allowed))]},
                               gettext("invalid %(name)s", name=name))
    return value


def wants_csv() -> bool:
    return request.args.get("format") == "csv"


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """``rows`` under ``header`` as a CSV attachment, streamed, every text cell neutralised against formulas."""
    def lines():
        yield from csv_lines([header])
        yield from csv_lines(rows)
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_url() -> str:
    """This page's URL with ``format=csv`` added: the export of exactly what is shown."""
    args = request.args.to_dict(flat=False)
    args["format"] = ["csv"]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def page_errors(blueprint: Blueprint) -> None:
    """A report page given a wrong range or filter answers 400 with what is wrong, in the portal's layout."""
    def invalid(exc: ValidationFailed):
        problems = {name: [translate_message(problem) for problem in (found if isinstance(found, list) else [found])]
                    for name, found in exc.messages.items()}
        return render_template("reports/invalid.html", error=translate_message(exc.args[0] if exc.args else str(exc)),
                               problems=problems), 400
    blueprint.register_error_handler(ValidationFailed, invalid)
