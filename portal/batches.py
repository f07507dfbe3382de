"""Order file imports in the portal: upload, the list of batches, one batch with its errors and orders,
its error report, and a distributor's column mapping."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length

from models.core.base import utc_now
from models.core.errors import ImportRefused, ImportTooLarge, ImportUnsafe
from models.intake.file_import import import_order_file
from models.intake.file_import.columns import parse_mapping_lines
from models.intake.file_import.reports import (
    batch_errors,
    batch_for,
    errors_csv_lines,
    visible_batches,
)
from models.intake.tables import ColumnMapping, ImportBatch
from models.orders.tables import Order
from models.partners.tables import OPS_ROLES, Partner
from portal.auth import role_required
from portal.flashes import exception_message
from portal.list_exports import EXPORT_CAP, export_csv, wants_csv
from portal.model_messages import translate_message
from schemas.order_rows import IMPORT_FIELDS, import_row_schema

bp = Blueprint("batches", __name__)

PAGE_SIZE = 50
ORDERS_SHOWN = 200
import_desk = role_required(*OPS_ROLES, "distributor")


class UploadForm(FlaskForm):
    file = FileField(lazy_gettext("Order file (CSV or XLSX)"),
                     validators=[FileRequired(lazy_gettext("Choose a file to import."))])


class MappingForm(FlaskForm):
    lines = TextAreaField(lazy_gettext("Column mapping"), validators=[Length(max=20_000)])


@bp.route("/imports", methods=["GET", "POST"])
@import_desk
def imports() -> ResponseReturnValue:
    """Upload an order file; below, the batches this user may see, newest first."""
    if request.method == "GET" and wants_csv():
        return _export()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        distributor = Partner.get_by_id(current_user.partner_id) if current_user.is_distributor else None
        try:
            result = import_order_file(upload.stream, upload.filename, settings=current_app.config["OMS_SETTINGS"],
                                       submitted_by=current_user.email, distributor=distributor,
                                       row_schema=import_row_schema)
        except (ImportTooLarge, ImportUnsafe) as exc:
            # Over a limit or built to hurt: answered at once with its status on this page; a scripted upload
            # sees 413/422, not a redirect to follow. Other refusals keep the redirect to the list.
            flash(gettext("%(file)s was refused: %(error)s", file=upload.filename, error=exception_message(exc)),
                  "error")
            return _imports_page(form), 413 if isinstance(exc, ImportTooLarge) else 422
        except ImportRefused as exc:
            flash(gettext("%(file)s was refused: %(error)s", file=upload.filename, error=exception_message(exc)),
                  "error")
            return redirect(url_for("batches.imports"))
        flash(gettext("%(file)s: %(accepted)s orders accepted, %(rejected)s rejected, %(duplicate)s already imported.",
                      file=upload.filename, accepted=result.orders_accepted, rejected=result.orders_rejected,
                      duplicate=result.orders_duplicate), "success" if not result.errors else "error")
        return redirect(url_for("batches.batch_detail", batch_id=result.batch_id))
    return _imports_page(form)


BATCH_CSV = ("id", "channel", "filename", "submitted_by", "status", "rows", "orders_accepted", "orders_rejected",
             "orders_duplicate", "failure", "created_at")


def _export():
    """Every batch the user may see, newest first."""
    batches = visible_batches(current_user).order_by(ImportBatch.id.desc()).limit(EXPORT_CAP)
    return export_csv("imports", BATCH_CSV, (
        (b.id, b.channel, b.filename, b.submitted_by, b.status, b.rows, b.orders_accepted, b.orders_rejected,
         b.orders_duplicate, b.failure, b.created_at.isoformat()) for b in batches.iterator()))


def _imports_page(form: UploadForm) -> str:
    batches = list(visible_batches(current_user).order_by(ImportBatch.id.desc()).limit(PAGE_SIZE))
    return render_template("batches/list.html", form=form, batches=batches)


@bp.get("/imports/<int:batch_id>")
@import_desk
def batch_detail(batch_id: int) -> ResponseReturnValue:
    """One batch: its counts, its row errors and the orders it created with their live status."""
    batch = batch_for(current_user, batch_id) or abort(404)
    orders = list(Order.select(Order.id, Order.external_ref, Order.status, Order.total, Order.currency)
                  .where(Order.source_batch == batch.id).order_by(Order.id).limit(ORDERS_SHOWN))
    errors = [{**error, "message": translate_message(error["message"])} for error in batch_errors(batch.id)]
    return render_template("batches/detail.html", batch=batch, errors=errors, orders=orders,
                           orders_shown=ORDERS_SHOWN)


@bp.get("/imports/<int:batch_id>/errors.csv")
@import_desk
def batch_errors_csv(batch_id: int) -> ResponseReturnValue:
    batch = batch_for(current_user, batch_id) or abort(404)
    return Response(stream_with_context(errors_csv_lines(batch.id)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{batch.id}-errors.csv"})


@bp.route("/imports/mapping", methods=["GET", "POST"])
@role_required("distributor")
def mapping() -> ResponseReturnValue:
    """A distributor's own headers → canonical fields, one "their header = field" a line."""
    saved = ColumnMapping.get_or_none(ColumnMapping.distributor == current_user.partner_id)
    form = MappingForm()
    problem = None
    if form.validate_on_submit():
        try:
            parsed = parse_mapping_lines(form.lines.data or "")
        except ValueError as exc:
            problem = str(exc)
        else:
            payload = json.dumps(parsed, ensure_ascii=False)
            if saved is None:
                ColumnMapping.create(distributor=current_user.partner_id, mapping_json=payload)
            else:
                ColumnMapping.update(mapping_json=payload, updated_at=utc_now()).where(
                    ColumnMapping.id == saved.id).execute()
            flash(gettext("Column mapping saved (%(count)s columns).", count=len(parsed)), "success")
            return redirect(url_for("batches.mapping"))
    elif not form.is_submitted() and saved is not None:
        form.lines.data = "\n".join(f"{theirs} = {field}" for theirs, field in saved.mapping.items())
    return render_template("batches/mapping.html", form=form, problem=problem, fields=IMPORT_FIELDS), \
        422 if problem else 200
