"""No template shows a word the catalogues cannot carry, and no view flashes a sentence built outside gettext."""
from __future__ import annotations

import re

from tests.portal.template_text import TEMPLATES, all_bare_texts, bare_texts

PORTAL = TEMPLATES.parent


def test_every_word_a_template_shows_goes_through_gettext():
    found = all_bare_texts()
    listing = [f"{name}:{line}: {text}" for name, texts in found.items() for line, text in texts]
    assert not listing, f"{len(listing)} texts shown without _(): wrap them and translate them\n" + \
        "\n".join(listing[:40])


def test_the_finder_sees_text_and_attributes_but_not_expressions_code_or_trade_codes(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('{% block title %}{{ _("Orders") }}{% endblock %}\n'
                    '<h1>Orders due</h1>\n'
                    '<input type="submit" value="Save"> <input name="q" placeholder="{{ _(\'Search\') }}">\n'
                    '<a title="Open it" href="{{ url_for(\'x\') }}">{{ order.ref }}</a> SKU · CSV · kg\n'
                    '<code>GET /api/v1/orders</code><script>let words = "not shown";</script>\n'
                    '{# a comment in English #}<p>{{ _("Shipped %(n)s", n=3) }}</p>\n', encoding="utf-8")
    assert bare_texts(page) == [(2, "Orders due"), (3, 'value="Save"'), (4, 'title="Open it"')]


LITERAL_FLASH = re.compile(r"""\bflash\(\s*f?["']""")
LITERAL_LABEL = re.compile(r"""\b\w+Field\(\s*f?["']""")


def lines_matching(pattern: re.Pattern) -> list[str]:
    """``path:line: code`` of every line of the portal's Python that ``pattern`` finds."""
    return [f"{path.relative_to(PORTAL.parent)}:{number}: {line.strip()}"
            for path in sorted(PORTAL.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]


def test_views_flash_only_translated_sentences():
    found = lines_matching(LITERAL_FLASH)
    assert not found, "flash a gettext() message, not a literal:\n" + "\n".join(found)


def test_form_labels_are_lazily_translated():
    found = lines_matching(LITERAL_LABEL)
    assert not found, "label form fields with lazy_gettext():\n" + "\n".join(found)


def test_the_literal_finders_catch_what_they_look_for():
    assert LITERAL_FLASH.search('flash(f"Mail {x} discarded.", "success")')
    assert not LITERAL_FLASH.search('flash(gettext("Mail %(id)s discarded.", id=x), "success")')
    assert LITERAL_LABEL.search('name = StringField("Name", validators=[])')
    assert not LITERAL_LABEL.search('name = StringField(lazy_gettext("Name"))')
