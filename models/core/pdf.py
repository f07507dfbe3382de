"""Printable A4 documents: the fonts, styles and page furniture the dispatch note, the pick list and the purchase
order share."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, partial
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from models.core.document_labels import translate_label

COMPANY = "Relay OMS"
FONT, BOLD = "Helvetica", "Helvetica-Bold"
# The standard PDF fonts stop at Latin-1; a built-in CID font draws the rest (Chinese, Cyrillic, ...)
# without shipping a font file.
FALLBACK_FONT = "STSong-Light"
# The CID font of each document language: Traditional characters need the CNS font, Simplified the GB one.
CJK_FONTS = {"zh-Hant": "MSung-Light", "zh-Hans": "STSong-Light"}
MARGIN = 15 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#e6e6e6")

_NOT_LATIN1 = re.compile(r"[^\x00-\xff]+")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

STYLES = {
    "company": ParagraphStyle("company", fontName=BOLD, fontSize=18, leading=22),
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18, spaceBefore=2),
    "heading": ParagraphStyle("heading", fontName=BOLD, fontSize=8, leading=10, textColor=colors.HexColor("#555555")),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12),
    "strong": ParagraphStyle("strong", fontName=BOLD, fontSize=10.5, leading=13),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10, textColor=colors.HexColor("#444444")),
    "big": ParagraphStyle("big", fontName=BOLD, fontSize=22, leading=26),
    "caption": ParagraphStyle("caption", fontName=BOLD, fontSize=10.5, leading=13, alignment=TA_CENTER),
}


_LANGUAGE: ContextVar[str] = ContextVar("document_language", default="")


@contextmanager
def document_language(language: str) -> Iterator[None]:
    """Print the documents built inside the block in ``language`` (a Partner.locale; "" is English)."""
    token = _LANGUAGE.set(language or "")
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def label(text: str, **fields: object) -> str:
    """A fixed word of a document in the language being printed, its ``{fields}`` filled in."""
    translated = translate_label(text, _LANGUAGE.get())
    return translated.format(**fields) if fields else translated


def register_fallback_font() -> str:
    """Register the CID font for text beyond Latin-1 in the language being printed, and return its name."""
    return _register_cid_font(CJK_FONTS.get(_LANGUAGE.get(), FALLBACK_FONT))


@lru_cache(maxsize=None)
def _register_cid_font(name: str) -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def cjk_cells(rows: list[list]) -> list[list]:
    """Table rows with each plain-string cell beyond Latin-1 made a paragraph: a table's own font (Helvetica)
    cannot draw it. The first row of ``header`` tables keeps its bold."""
    return [[para(cell, "cell", bold=index == 0) if isinstance(cell, str) and _NOT_LATIN1.search(cell) else cell
             for cell in row] for index, row in enumerate(rows)]


def markup(text: object) -> str:
    """Paragraph markup for ``text``: escaped, newlines kept, runs beyond Latin-1 set in the fallback font."""
    font = register_fallback_font()
    cleaned = _CONTROL.sub(" ", str(text).replace("\r\n", "\n"))
    tagged = _NOT_LATIN1.sub(lambda run: f'<font face="{font}">{run.group()}</font>', escape(cleaned))
    return tagged.replace("\n", "<br/>")


def para(text: object, style: str = "body", *, bold: bool = False) -> Paragraph:
    """A paragraph of plain ``text`` (never markup) in one of STYLES."""
    body = markup(text)
    return Paragraph(f"<b>{body}</b>" if bold else body, STYLES[style])


def grid_table(rows: list[list], widths: list[float], *, header: bool = True, extra: tuple = (),
               long: bool = False) -> Table:
    """A ruled table; the first row shaded and repeated on every page when ``header``.

    ``long`` for tables of many pages: each page's split then measures only the rows that fit, not all the rest.
    """
    table = (LongTable if long else Table)(cjk_cells(rows), colWidths=widths, repeatRows=1 if header else 0)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("FONTNAME", (0, 0), (-1, 0), BOLD)]
    table.setStyle(TableStyle(commands + list(extra)))
    return table


def signature_boxes(labels: tuple[str, ...]) -> Table:
    """Empty boxes to sign in, one per label, side by side."""
    width = CONTENT_WIDTH / len(labels)
    rows = [[para(text, "heading") for text in labels], ["" for _ in labels],
            [para(label("Name / date"), "small") for _ in labels]]
    table = Table(rows, colWidths=[width] * len(labels), rowHeights=[None, 16 * mm, None])
    table.setStyle(TableStyle([("BOX", (i, 0), (i, -1), 0.8, colors.black) for i in range(len(labels))]))
    return table


class CheckBox(Flowable):
    """An empty square to tick by hand."""

    def __init__(self, size: float = 4 * mm) -> None:
        super().__init__()
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.width, self.height)


class NumberedCanvas(Canvas):
    """A canvas that holds its pages back to stamp "Page x of y" and a footer line on each."""

    def __init__(self, *args, footer: str = "", page_label: str = "Page {number} of {total}",
                 footer_font: str = FONT, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._page_label = page_label
        self._footer_font = footer_font
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(self._footer_font, 8)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(MARGIN, 9 * mm, self._footer)
            self.drawRightString(A4[0] - MARGIN, 9 * mm, self._page_label.format(number=number, total=total))
            super().showPage()
        super().save()


def build_pdf(story: list, *, title: str, footer: str) -> bytes:
    """Lay ``story`` out on A4 pages and return the PDF; ``footer`` is drawn in Latin-1 only, unless the document
    is printed in Chinese (then in its CID font)."""
    footer_font = FONT
    if _LANGUAGE.get() in CJK_FONTS:
        footer_font = register_fallback_font()
    else:
        footer = footer.encode("latin-1", "replace").decode("latin-1")
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 5 * mm, title=title, author=COMPANY, creator=COMPANY)
    document.build(story, canvasmaker=partial(NumberedCanvas, footer=footer, footer_font=footer_font,
                                              page_label=label("Page {number} of {total}")))
    return buffer.getvalue()
