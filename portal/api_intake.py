"""JSON API for order files: POST /api/v1/orders/import and the batches it creates."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    request,
    stream_with_context,
)

from models.core.errors import ImportRefused, ImportTooLarge, PermissionDenied
from models.intake.file_import import import_order_file
from models.intake.file_import.reports import batch_for, batch_payload, errors_csv_lines
from portal.api import api_error, forbidden, require_order_desk, token_required
from schemas.order_rows import import_row_schema

bp = Blueprint("api_intake", __name__, url_prefix="/api/v1")


bp.register_error_handler(PermissionDenied, forbidden)


@bp.post("/orders/import")
@token_required
def import_orders():
    """Import a CSV or XLSX order file sent as multipart field ``file``; ?channel=email for mailed files."""
    user = g.api_user
    require_order_desk(user, "import orders")
    settings = current_app.config["OMS_SETTINGS"]
    if request.content_length is not None and request.content_length > settings.import_max_bytes:
        return api_error(413, f"the upload is larger than the limit of {settings.import_max_bytes} bytes")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return api_error(400, "send the order file as multipart/form-data field 'file'")
    channel = request.args.get("channel", "file")
    if channel not in ("file", "email"):
        return api_error(400, "channel must be 'file' or 'email'")
    try:
        result = import_order_file(upload.stream, upload.filename, settings=settings, submitted_by=user.email,
                                   distributor=user.partner if user.role == "distributor" else None,
                                   row_schema=import_row_schema, channel=channel)
    except ImportTooLarge as exc:
        return api_error(413, str(exc))
    except ImportRefused as exc:  # unreadable, wrong columns, or built to hurt (a zip bomb, an endless cell)
        return api_error(422, str(exc))
    return jsonify(result.as_dict())


@bp.get("/imports/<int:batch_id>")
@token_required
def get_batch(batch_id: int):
    batch = batch_for(g.api_user, batch_id)
    if batch is None:
        return api_error(404, f"import batch {batch_id} not found")
    return jsonify(batch_payload(batch))


@bp.get("/imports/<int:batch_id>/errors.csv")
@token_required
def get_batch_errors(batch_id: int):
    batch = batch_for(g.api_user, batch_id)
    if batch is None:
        return api_error(404, f"import batch {batch_id} not found")
    return Response(stream_with_context(errors_csv_lines(batch.id)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{batch.id}-errors.csv"})
