"""The queue cockpit for ops: each queue's depths, consumers and rates beside the outbox backlog and relay lag
(``/ops/queues``), and the dead letters to retry or discard, one or many at once (``/ops/dead-letters``)."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from models.core.errors import ValidationFailed
from models.operations.dead_letters import dead_letter_page, decide_dead_letters
from models.operations.queue_rules import DEAD_LETTER_STATUSES, MAX_NOTE_CHARS
from models.operations.queue_samples import hourly_rates
from models.partners.tables import OPS_ROLES
from portal.auth import role_required
from portal.charts import line_chart
from portal.flashes import exception_message
from portal.model_messages import translate_message
from portal.params import MAX_DB_ID, id_arg
from workers.queue_depths import STAGE_QUEUES
from workers.queue_watch import queue_overview

bp = Blueprint("queues", __name__)
DECIDERS = ("ops_admin", "ops_agent")
DEAD_LETTER_WORDS = {"open": lazy_gettext("open"), "retried": lazy_gettext("retried"),
                     "discarded": lazy_gettext("discarded")}


class DeadLetterDecisionForm(FlaskForm):
    decision = SelectField(choices=[SelectChoice("retry", lazy_gettext("Retry")),
                                    SelectChoice("discard", lazy_gettext("Discard"))])
    note = StringField(validators=[Length(max=MAX_NOTE_CHARS)])


@bp.get("/ops/queues")
@role_required(*OPS_ROLES)
def queues_page() -> ResponseReturnValue:
    overview = queue_overview(current_app.config["OMS_SETTINGS"])
    rates = hourly_rates()
    chart = line_chart(title=gettext("Messages per minute, last hour"), labels=rates["labels"],
                       series={gettext("in"): rates["in"], gettext("out"): rates["out"],
                               gettext("ready"): rates["ready"], gettext("outbox backlog"): rates["outbox"]}) \
        if rates["labels"] else None
    return render_template("ops/queues.html", overview=overview, chart=chart,
                           alerts=[translate_message(alert) for alert in overview["alerts"]])


@bp.get("/ops/dead-letters")
@role_required(*OPS_ROLES)
def dead_letters_page() -> ResponseReturnValue:
    queue = request.args.get("queue", "")[:64]
    status = request.args.get("status", "open")
    status = status if status in ("", *DEAD_LETTER_STATUSES) else "open"
    items, following = dead_letter_page(queue=queue, status=status, before=id_arg("before"))
    return render_template("ops/dead_letters.html", items=items, following=following, queue=queue, status=status,
                           queues=STAGE_QUEUES, statuses=DEAD_LETTER_STATUSES, form=DeadLetterDecisionForm(),
                           may_decide=current_user.role in DECIDERS, dead_letter_words=DEAD_LETTER_WORDS)


@bp.post("/ops/dead-letters")
@role_required(*DECIDERS)
def decide() -> ResponseReturnValue:
    """Retry or discard the ticked dead letters: a note is optional for one, required for several."""
    form = DeadLetterDecisionForm()
    back = redirect(url_for("queues.dead_letters_page", queue=request.args.get("queue", "")[:64]))
    if not form.validate_on_submit():
        flash(gettext("; ").join(gettext("%(field)s: %(message)s", field=name, message=gettext(", ").join(errors))
                                 for name, errors in form.errors.items()), "error")
        return back
    ids = [int(value) for value in request.form.getlist("ids")
           if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_DB_ID]
    if not ids:
        flash(gettext("Tick the dead letters to decide."), "error")
        return back
    try:
        decided = decide_dead_letters(ids, form.decision.data, actor=current_user.email,
                                      note=(form.note.data or "").strip(), bulk=len(ids) > 1)
    except ValidationFailed as exc:
        flash(exception_message(exc), "error")
        return back
    flash(_decided_message(len(decided), form.decision.data == "retry", skipped=len(ids) - len(decided)), "success")
    return back


def _decided_message(count: int, retried: bool, *, skipped: int) -> str:
    """The flash after a decision ("2 dead letters retried; 1 no longer open, left as they were.")."""
    if retried:
        done = gettext("%(count)s dead letter retried", count=count) if count == 1 else \
            gettext("%(count)s dead letters retried", count=count)
    else:
        done = gettext("%(count)s dead letter discarded", count=count) if count == 1 else \
            gettext("%(count)s dead letters discarded", count=count)
    if skipped:
        return gettext("%(done)s; %(skipped)s no longer open, left as they were.", done=done, skipped=skipped)
    return gettext("%(done)s.", done=done)
