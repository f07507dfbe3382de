"""The user's own settings: the language the portal speaks to them in."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, refresh
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from models.partners.tables import User
from portal.flashes import flash_form_errors
from portal.i18n import SESSION_KEY
from portal.languages import LANGUAGES

bp = Blueprint("account", __name__)


class LanguageForm(FlaskForm):
    # "" keeps following the browser's Accept-Language.
    locale = SelectField(lazy_gettext("Language"),
                         choices=[SelectChoice("", lazy_gettext("As my browser asks")),
                                  *(SelectChoice(code, name) for code, name in LANGUAGES.items())])


@bp.get("/account/language")
@login_required
def language_page() -> ResponseReturnValue:
    """The language setting of the signed-in user."""
    form = LanguageForm(data={"locale": current_user.user.locale})
    return render_template("account/language.html", form=form)


@bp.post("/account/language")
@login_required
def save_language() -> ResponseReturnValue:
    """Save the user's language; this session switches to it at once."""
    form = LanguageForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return render_template("account/language.html", form=form), 422
    User.update(locale=form.locale.data).where(User.id == current_user.id).execute()
    session.pop(SESSION_KEY, None)  # a ?lang= choice of this session gives way to the saved one
    if form.locale.data:
        session[SESSION_KEY] = form.locale.data
    g.pop("language", None)  # say so in the language just chosen
    refresh()
    flash(gettext("Language saved."), "success")
    return redirect(url_for("account.language_page"))
