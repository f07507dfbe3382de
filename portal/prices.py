"""The price book's ops pages: the lists, contracts and versions, one list with its entries, the edits (each saved
as a new version with a note), the CSV upload and the price check. Every ops role reads; PRICE_EDITORS edit."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from models.core.base import utc_now
from models.core.errors import (
    ImportRefused,
    InvariantViolated,
    RuleSetChanged,
    ValidationFailed,
)
from models.partners.tables import OPS_ROLES, Partner
from models.pricing import book_edits
from models.pricing.editing import edit_price_book, party_problem, unknown_sku
from models.pricing.price_check import customer_prices
from models.pricing.price_import import import_price_lists
from models.pricing.rules import PriceBook, PriceBreak, PriceList
from models.pricing.versions import PriceBookVersion, price_book_in_force
from portal.auth import role_required
from portal.domain_words import N_
from portal.flashes import (
    exception_message,
    flash_form_errors,
    flash_import_report,
    flash_validation,
)
from portal.model_messages import translate_message
from portal.price_forms import (
    BreakForm,
    ListForm,
    PriceCheckForm,
    PriceListUploadForm,
    RemoveBreakForm,
    RemoveContractForm,
    RemoveListForm,
    applies_to_words,
)
from schemas.price_lists import price_list_row_schema

bp = Blueprint("prices", __name__, url_prefix="/ops/prices")

PRICE_EDITORS = ("ops_admin", "sales_manager")  # commercial terms: the desk's admin and the sales manager
VERSIONS_SHOWN = 20
readers = role_required(*OPS_ROLES)
editors = role_required(*PRICE_EDITORS)


@bp.get("")
@readers
def prices_page() -> ResponseReturnValue:
    version, book = price_book_in_force()
    versions = (PriceBookVersion.select(PriceBookVersion.id, PriceBookVersion.created_by,
                                        PriceBookVersion.created_at, PriceBookVersion.note)
                .order_by(PriceBookVersion.id.desc()).limit(VERSIONS_SHOWN))
    return render_template("ops/prices.html", book=book, version=version, versions=list(versions),
                           may_edit=current_user.role in PRICE_EDITORS, list_form=ListForm(prefix="list", expected_version=version),
                           upload=PriceListUploadForm(prefix="upload"), check=PriceCheckForm(prefix="check"),
                           contract_form=RemoveContractForm(prefix="contract", expected_version=version),
                           applies_to_words=applies_to_words, validity_words=validity_words)


@bp.get("/list")
@readers
def list_page() -> ResponseReturnValue:
    version, book = price_book_in_force()
    price_list = book.list_by_code(request.args.get("code", ""))
    if price_list is None:
        abort(404)
    form = ListForm(prefix="list", obj=price_list, original_code=price_list.code, expected_version=version)
    return render_template("ops/price_list.html", price_list=price_list, version=version,
                           problem=book_edits.base_problem(book, price_list.code), list_form=form,
                           break_form=BreakForm(prefix="break", code=price_list.code, expected_version=version),
                           remove_break=RemoveBreakForm(prefix="rm", code=price_list.code, expected_version=version),
                           remove_list=RemoveListForm(prefix="rmlist", code=price_list.code, expected_version=version),
                           may_edit=current_user.role in PRICE_EDITORS, applies_to_words=applies_to_words,
                           validity_words=validity_words)


@bp.post("/lists")
@editors
def save_list() -> ResponseReturnValue:
    form = ListForm(prefix="list")
    original = form.original_code.data or None
    back = url_for("prices.list_page", code=original) if original else url_for("prices.prices_page")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    party = (form.party.data or "").strip()
    problem = party_problem(form.applies_to.data, party)
    if problem:
        flash(gettext("%(field)s: %(problem)s", field="party", problem=translate_message(problem)), "error")
        return redirect(back)

    def edit(book: PriceBook) -> PriceBook:
        current = book.list_by_code(original) if original else None
        if original and current is None:
            raise ValueError(f"code: no list {original}")
        return book_edits.put_list(book, PriceList(
            code=form.code.data.strip(), name=(form.name.data or "").strip(), applies_to=form.applies_to.data,
            party=party, currency=form.currency.data, valid_from=form.valid_from.data, valid_to=form.valid_to.data,
            base=(form.base.data or "").strip() or None, discount_percent=form.discount_percent.data or 0,
            tax_included=form.tax_included.data, tolerance_percent=form.tolerance_percent.data,
            entries=current.entries if current else {}), replacing=original)

    code = form.code.data.strip()
    saved = _save(edit, form, N_("list %(code)s changed") if original else N_("list %(code)s added"), code=code)
    return redirect(url_for("prices.list_page", code=code) if saved else back)


@bp.post("/breaks")
@editors
def save_break() -> ResponseReturnValue:
    form = BreakForm(prefix="break")
    back = url_for("prices.list_page", code=form.code.data or "")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    sku = form.sku.data.strip()
    problem = unknown_sku(sku)
    if problem or (form.price.data is None) == (form.discount_percent.data is None):
        flash(gettext("%(field)s: %(problem)s", field="sku", problem=translate_message(problem)) if problem
              else gettext("price: give a price or a discount, not both"), "error")
        return redirect(back)
    brk = PriceBreak(form.min_quantity.data, form.price.data, form.discount_percent.data)
    _save(lambda book: book_edits.put_break(book, form.code.data, sku, brk), form,
          N_("%(code)s: %(sku)s from %(num)s units"), code=form.code.data, sku=sku, num=brk.min_quantity)
    return redirect(back)


@bp.post("/breaks/remove")
@editors
def remove_break() -> ResponseReturnValue:
    form = RemoveBreakForm(prefix="rm")
    if form.validate_on_submit():
        _save(lambda book: book_edits.remove_break(book, form.code.data, form.sku.data, form.min_quantity.data),
              form, N_("%(code)s: %(sku)s from %(num)s units removed"), code=form.code.data, sku=form.sku.data,
              num=form.min_quantity.data)
    else:
        flash_form_errors(form)
    return redirect(url_for("prices.list_page", code=form.code.data or ""))


@bp.post("/lists/remove")
@editors
def remove_list() -> ResponseReturnValue:
    form = RemoveListForm(prefix="rmlist")
    if form.validate_on_submit() and _save(lambda book: book_edits.remove_list(book, form.code.data), form,
                                           N_("list %(code)s removed"), code=form.code.data):
        return redirect(url_for("prices.prices_page"))
    flash_form_errors(form)
    return redirect(url_for("prices.list_page", code=form.code.data or ""))


@bp.post("/contracts/remove")
@editors
def remove_contract() -> ResponseReturnValue:
    form = RemoveContractForm(prefix="contract")
    if form.validate_on_submit():
        _save(lambda book: book_edits.remove_contract(book, form.index.data), form, N_("contract price removed"))
    else:
        flash_form_errors(form)
    return redirect(url_for("prices.prices_page"))


@bp.post("/upload")
@editors
def upload() -> ResponseReturnValue:
    """Import a price-list CSV file: the good rows saved as one new version, each bad row listed."""
    form = PriceListUploadForm(prefix="upload")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("prices.prices_page"))
    upload_file = form.file.data
    try:
        report = import_price_lists(upload_file.stream, row_schema=price_list_row_schema, actor=current_user.email,
                                    settings=current_app.config["OMS_SETTINGS"], note=(form.note.data or "").strip())
    except (ImportRefused, RuleSetChanged) as exc:
        flash(gettext("%(file)s was refused: %(error)s", file=upload_file.filename, error=exception_message(exc)),
              "error")
        return redirect(url_for("prices.prices_page"))
    saved = (gettext(", saved as version %(version)s", version=report.version) if report.version
             else gettext(", nothing changed"))
    flash_import_report(upload_file.filename, report, outcome=saved)
    return redirect(url_for("prices.prices_page"))


@bp.get("/check")
@readers
def price_check() -> ResponseReturnValue:
    """The price a customer pays for a SKU, quantity, currency and day, with how it was found."""
    form = PriceCheckForm(request.args, prefix="check")
    result, problem = None, ""
    if request.args and form.validate():
        customer = Partner.get_or_none(Partner.code == form.customer.data.strip(),
                                       Partner.kind.in_(("customer", "distributor")))
        if customer is None:
            problem = gettext("unknown customer %(code)s", code=repr(form.customer.data.strip()))
        else:
            result = customer_prices(customer, skus=[form.sku.data.strip()], quantity=form.quantity.data,
                                     currency=form.currency.data or None, day=form.day.data or utc_now().date())
            problem = "" if result.prices else gettext("unknown SKU %(sku)s", sku=repr(form.sku.data.strip()))
    return render_template("ops/price_check.html", form=form, result=result, problem=problem,
                           errors=form.errors if request.args else {})


def validity_words(start: date | None, end: date | None) -> str:
    """When a price list or contract is valid ("2024-01-01 – open", "always – open") in the page's language."""
    if start and end:
        return gettext("%(start)s – %(end)s", start=start, end=end)
    if end:
        return gettext("always – %(end)s", end=end)
    if start:
        return gettext("%(start)s – open", start=start)
    return gettext("always – open")


def _save(edit: Callable[[PriceBook], PriceBook], form, what: str, **values) -> bool:
    """Save one edit against the form's version; flash the outcome; whether the book is as the editor wanted.

    ``what`` % ``values`` is the version's note when the editor gives none, kept in English as the record is; the
    flash says it in the page's language."""
    note = what % values if values else what
    text = (form.expected_version.data or "").strip()
    expected = None if text == "" else int(text) if text.isdigit() else 0
    try:
        saved = edit_price_book(edit, expected_version=expected, actor=current_user.email,
                                note=(form.note.data or "").strip() or note)
    except ValidationFailed as exc:
        flash_validation(exc.messages)
        return False
    except RuleSetChanged as exc:
        flash(gettext("The price book was changed to version %(version)s by %(who)s while you edited; check the "
                      "figures below and make your change again.", version=exc.current.version,
                      who=exc.current.created_by), "error")
        return False
    except InvariantViolated as exc:  # a form shown against a version when there was none
        flash(exception_message(exc), "error")
        return False
    flash(gettext("Saved as version %(version)s: %(what)s.", version=saved.version, what=gettext(what, **values))
          if saved
          else gettext("Nothing changed; no new version was made."), "success" if saved else "info")
    return True
