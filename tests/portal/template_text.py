"""Find the words a template shows that no gettext call wraps: what the catalogue test cannot see by extraction."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"
# Words that read the same in every language of the portal: names, codes and abbreviations of the trade.
SAME_IN_EVERY_LANGUAGE = {
    "Relay", "OMS", "SKU", "SKUs", "CSV", "PDF", "API", "ASN", "ASNs", "PO", "POs", "ID", "URL", "JSON", "HTTP",
    "HTTPS", "UTC", "RFM", "AOV", "EAN", "GTIN", "ISO", "OpenAPI", "RabbitMQ", "XQ", "EN", "OK", "Standard",
    "Webhooks", "whsec", "HMAC", "SHA", "p50", "p90", "p95", "p99", "ETA", "VAT", "GST", "RMA", "ERP", "CRM",
    "Bearer", "GET", "POST", "PATCH", "PUT", "DELETE", "v1", "USD", "EUR", "etc", "kg", "https",
    "webhook-id", "webhook-timestamp", "webhook-signature",
}
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
UNSHOWN_ELEMENTS = {"script", "style", "code", "pre"}
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


def _blank_jinja(source: str) -> str:
    """Jinja tags and expressions replaced by spaces, newlines kept so line numbers stay true."""
    return JINJA.sub(lambda found: re.sub(r"[^\n]", " ", found.group(0)), source)


def shows_words(text: str) -> bool:
    return any(word not in SAME_IN_EVERY_LANGUAGE for word in WORD.findall(text))


class _BareText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._unshown = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNSHOWN_ELEMENTS:
            self._unshown += 1
        shown = dict(attrs)
        for name, value in attrs:
            if value and (name in SHOWN_ATTRIBUTES or (
                    name == "value" and tag == "input" and shown.get("type") in ("submit", "button"))):
                if shows_words(value):
                    self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in UNSHOWN_ELEMENTS and self._unshown:
            self._unshown -= 1

    def handle_data(self, data: str) -> None:
        if not self._unshown and shows_words(data):
            self.found.append((self.getpos()[0], " ".join(data.split())))


def bare_texts(template: Path) -> list[tuple[int, str]]:
    """(line, text) of each run of words in ``template`` shown to a user without a gettext call around it."""
    parser = _BareText()
    parser.feed(_blank_jinja(template.read_text(encoding="utf-8")))
    parser.close()
    return parser.found


def all_bare_texts() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for template in sorted(TEMPLATES.rglob("*.html")):
        if texts := bare_texts(template):
            found[str(template.relative_to(TEMPLATES))] = texts
    return found


if __name__ == "__main__":  # python -m tests.portal.template_text: what is left to wrap
    for name, texts in all_bare_texts().items():
        for line, text in texts:
            print(f"{name}:{line}: {text}")
