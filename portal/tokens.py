"""API tokens in the portal: every user creates, lists and revokes their own; ops admins see and revoke all."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.core.errors import ValidationFailed
from models.partners.api_tokens import (
    MAX_EXPIRY_DAYS,
    MAX_NAME,
    create_token,
    revoke_token,
    tokens_of,
    unrevoked_tokens,
)
from models.partners.tables import ApiToken, User
from portal.auth import admin_required
from portal.domain_words import role_words
from portal.flashes import flash_form_errors, flash_validation
from portal.list_exports import export_csv, wants_csv
from portal.params import id_arg

bp = Blueprint("tokens", __name__)

PAGE_SIZE = 100


class TokenForm(FlaskForm):
    name = StringField(lazy_gettext("Name: what the token is for"), validators=[DataRequired(), Length(max=MAX_NAME)])
    expires_days = IntegerField(lazy_gettext("Expires after (days; empty: until revoked)"),
                                validators=[Optional(), NumberRange(min=1, max=MAX_EXPIRY_DAYS)])


@bp.get("/account/tokens")
@login_required
def my_tokens() -> ResponseReturnValue:
    """The signed-in user's tokens and the form to create one."""
    if wants_csv():
        return _export(tokens_of(current_user.id).iterator(), owner=False)
    return _my_tokens_page(TokenForm())


@bp.post("/account/tokens")
@login_required
def create() -> ResponseReturnValue:
    """Create a token and show it once, on this response only (never in a flash, which lives in the cookie)."""
    form = TokenForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _my_tokens_page(form, status=422)
    try:
        token, clear = create_token(User.get_by_id(current_user.id), name=form.name.data,
                                    expires_days=form.expires_days.data)
    except ValidationFailed as exc:
        flash_validation(exc.messages)
        return _my_tokens_page(form, status=422)
    response = make_response(_my_tokens_page(TokenForm(formdata=None), created=token, clear=clear))
    response.headers["Cache-Control"] = "no-store"  # the clear token must not be kept by any cache
    return response


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_mine(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's own tokens; someone else's token is 404."""
    if not revoke_token(token_id, owner_id=current_user.id):
        abort(404)
    flash(gettext("Token revoked."), "success")
    return redirect(url_for("tokens.my_tokens"))


@bp.get("/admin/tokens")
@admin_required
def all_tokens() -> ResponseReturnValue:
    """Every user's unrevoked tokens, newest first, a page at a time."""
    if wants_csv():
        return _export(unrevoked_tokens().iterator(), owner=True)
    before = id_arg("before")
    rows = list(unrevoked_tokens(before=before).limit(PAGE_SIZE + 1))
    shown, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return render_template("tokens/all.html", tokens=shown, before=before,
                           next_before=shown[-1].id if more else None, role_words=role_words)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@admin_required
def revoke_any(token_id: int) -> ResponseReturnValue:
    if not revoke_token(token_id):
        abort(404)
    flash(gettext("Token revoked."), "success")
    return redirect(url_for("tokens.all_tokens"))


TOKEN_CSV = ("id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")


def _export(tokens, *, owner: bool):
    """Tokens as listed, never their secret: the prefix only (with the owner's email on the admin list)."""
    def when(value) -> str:
        return value.isoformat() if value else ""

    return export_csv("api-tokens", (*TOKEN_CSV, "owner") if owner else TOKEN_CSV, (
        (t.id, t.name, t.prefix, when(t.created_at), when(t.last_used_at), when(t.expires_at), when(t.revoked_at),
         *((t.user.email,) if owner else ())) for t in tokens))


def _my_tokens_page(form: TokenForm, *, status: int = 200, created: ApiToken | None = None,
                    clear: str | None = None) -> ResponseReturnValue:
    return render_template("tokens/mine.html", form=form, tokens=list(tokens_of(current_user.id)),
                           created=created, clear=clear), status
