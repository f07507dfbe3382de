"""Signing in and out of the portal, and the role checks every other blueprint uses."""
from __future__ import annotations

from functools import wraps
from typing import Callable
from urllib.parse import urlparse

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models.partners.accounts import authenticate
from models.partners.tables import OPS_ROLES, User

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Invalid email or password"


class PortalUser(UserMixin):
    """A signed-in user as flask-login sees it; ``user`` is the models.partners.tables.User row."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id
        self.email = user.email
        self.role = user.role
        self.partner_id = user.partner_id

    @property
    def is_ops(self) -> bool:
        return self.role in OPS_ROLES

    @property
    def is_distributor(self) -> bool:
        return self.role == "distributor"


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


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


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; on success go to ``next`` when it is local, else to the user's start page."""
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    user = authenticate(form.email.data or "", form.password.data or "") if form.validate_on_submit() else None
    if user is None:
        return render_template("auth/login.html", form=form, error=LOGIN_FAILED), 401
    login_user(PortalUser(user))
    target = request.args.get("next") or request.form.get("next")
    return redirect(target if is_local_path(target) else start_page(user.role))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out (a POST, so a link on another site cannot do it) and go back to the sign-in page."""
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/home")
@login_required
def home() -> ResponseReturnValue:
    """The landing page for users without an order list (suppliers)."""
    return render_template("home.html")


def start_page(role: str) -> str:
    """Where a user lands after signing in."""
    if role in OPS_ROLES or role == "distributor":
        return url_for("ops.orders")
    return url_for("auth.home")


def is_local_path(target: str | None) -> bool:
    """True for a path on this site ("/orders?x=1"), False for anything that could leave it."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 33 for char in target):  # browsers drop tabs and newlines: "/\t/evil.example"
        return False
    parsed = urlparse(target)
    return not parsed.scheme and not parsed.netloc
