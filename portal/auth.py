"""Signing in and out of the portal, and the role checks every other blueprint uses."""
from __future__ import annotations

import math
from datetime import timedelta
from functools import wraps
from typing import Callable
from urllib.parse import urlparse

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
from flask_babel import gettext, lazy_gettext
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models.core.base import utc_now
from models.core.rate_limits import allow_hit, seconds_until_next_window
from models.partners.accounts import end_sessions
from models.partners.login_throttle import LockoutPolicy, sign_in
from models.partners.tables import OPS_ROLES, User

bp = Blueprint("auth", __name__)

LOGIN_FAILED = lazy_gettext("Invalid email or password")
# One answer for a busy client and a locked-out email (known or not): it must not tell which emails exist.
TOO_MANY_ATTEMPTS = lazy_gettext("Too many sign-in attempts. Please wait a few minutes and try again.")
CLIENT_WINDOW = timedelta(minutes=1)


class PortalUser(UserMixin):
    """A signed-in user as flask-login sees it; ``user`` is the models.partners.tables.User row."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id
        self.email = user.email
        self.role = user.role
        self.partner_id = user.partner_id
        self.session_version = user.session_version

    def get_id(self) -> str:
        """What the session keeps: the id and the session version, so raising the version ends the session."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_ops(self) -> bool:
        return self.role in OPS_ROLES

    @property
    def is_distributor(self) -> bool:
        return self.role == "distributor"


class LoginForm(FlaskForm):
    email = StringField(lazy_gettext("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=200)])


def role_required(*roles: str) -> Callable:
    """Let only signed-in users with one of ``roles`` through: others get the login page or 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


ops_required = role_required(*OPS_ROLES)
admin_required = role_required("ops_admin")


def load_session_user(session_id: str) -> PortalUser | None:
    """The user of a session whose id ("42:3") still names the user's current session version, if active."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None  # a malformed id, or one from before session versions: sign in again
    user = User.get_or_none(User.id == int(user_id), User.session_version == int(version),
                            User.active == True)  # noqa: E712
    return PortalUser(user) if user else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; on success go to ``next`` when it is local, else to the user's start page."""
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    settings, now = current_app.config["OMS_SETTINGS"], utc_now()
    if not allow_hit(f"login:{request.remote_addr or 'unknown'}", limit=settings.login_attempts_per_minute,
                     window=CLIENT_WINDOW, now=now):
        return _too_many_attempts(form, seconds_until_next_window(now, CLIENT_WINDOW))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, error=LOGIN_FAILED), 401
    policy = LockoutPolicy(max_failures=settings.login_max_failures,
                           lockout=timedelta(seconds=settings.login_lockout_seconds))
    outcome = sign_in(form.email.data, form.password.data, policy=policy, now=now)
    if outcome.locked_until is not None:
        return _too_many_attempts(form, math.ceil((outcome.locked_until - now).total_seconds()))
    if outcome.user is None:
        return render_template("auth/login.html", form=form, error=LOGIN_FAILED), 401
    user = outcome.user
    login_user(PortalUser(user))
    target = request.args.get("next") or request.form.get("next")
    return redirect(target if is_local_path(target) else start_page(user.role))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out (a POST, so a link on another site cannot do it) and go back to the sign-in page.

    Every session of the user ends, not only this one: a copy of the cookie is refused from now on."""
    if current_user.is_authenticated:
        end_sessions(current_user.id)
    logout_user()
    flash(gettext("Signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/home")
@login_required
def home() -> ResponseReturnValue:
    """The home dashboard: what needs the user's action now and today's figures; a supplier's is /supplier."""
    if current_user.role == "supplier":
        return redirect(start_page(current_user.role))
    # The dashboard reads every context: loaded when asked for, not with the sign-in pages.
    from portal.dashboard import render_dashboard

    return render_dashboard()


def _too_many_attempts(form: LoginForm, retry_after: int) -> ResponseReturnValue:
    body = render_template("auth/login.html", form=form, error=TOO_MANY_ATTEMPTS)
    return body, 429, {"Retry-After": str(max(1, retry_after))}


def start_page(role: str) -> str:
    """Where a user lands after signing in."""
    if role == "supplier":
        return url_for("supplier_portal.home")
    return url_for("auth.home")  # the dashboard: what needs the user's action now


def is_local_path(target: str | None) -> bool:
    """True for a path on this site ("/orders?x=1"), False for anything that could leave it."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 33 for char in target):  # browsers drop tabs and newlines: "/\t/evil.example"
        return False
    parsed = urlparse(target)
    return not parsed.scheme and not parsed.netloc
