"""The users page for ops admins: who has an account, who is locked out, and lifting a lock-out or
deactivating an account."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from peewee import JOIN

from models.partners.accounts import deactivate_user
from models.partners.login_throttle import lockouts, unlock_account
from models.partners.tables import Partner, User
from portal.auth import admin_required
from portal.domain_words import role_words
from portal.list_exports import export_csv, wants_csv

bp = Blueprint("users", __name__)

@bp.get("/admin/users")
@admin_required
def users() -> ResponseReturnValue:
    """Every user by email, with their partner and, when locked out, until when."""
    rows = list(User.select(User, Partner).join(Partner, JOIN.LEFT_OUTER).order_by(User.email))
    if wants_csv():
        locked = lockouts([user.email for user in rows])
        return export_csv("users", ("email", "role", "partner", "active", "locked_until"), (
            (u.email, u.role, u.partner.code if u.partner_id else "", "yes" if u.active else "no",
             locked[u.email].isoformat() if locked.get(u.email) else "") for u in rows))
    return render_template("users/list.html", users=rows, locked=lockouts([user.email for user in rows]),
                           role_words=role_words)


@bp.post("/admin/users/<int:user_id>/unlock")
@admin_required
def unlock(user_id: int) -> ResponseReturnValue:
    """Lift the user's lock-out now, rather than when it runs out."""
    user = _user_or_404(user_id)
    unlocked = unlock_account(user.email)
    flash(gettext("%(email)s unlocked.", email=user.email) if unlocked
          else gettext("%(email)s was not locked out.", email=user.email), "success")
    return redirect(url_for("users.users"))


@bp.post("/admin/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int) -> ResponseReturnValue:
    """Stop the user signing in and using API tokens, and end their sessions (`oms user create` restores them)."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(gettext("You cannot deactivate your own account."), "error")
    else:
        deactivate_user(user.email)
        flash(gettext("%(email)s deactivated.", email=user.email), "success")
    return redirect(url_for("users.users"))


def _user_or_404(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    return user
