"""Printable A4 shipment documents. The fonts, styles and page furniture they share live in models.core.pdf (the
purchase order prints with them too); they are named here for the portal's document modules."""
from __future__ import annotations

from models.core.pdf import (
    BOLD,
    COMPANY,
    CONTENT_WIDTH,
    FALLBACK_FONT,
    FONT,
    GRID,
    MARGIN,
    SHADE,
    STYLES,
    CheckBox,
    NumberedCanvas,
    build_pdf,
    cjk_cells,
    document_language,
    grid_table,
    label,
    markup,
    para,
    register_fallback_font,
    signature_boxes,
)

__all__ = ["BOLD", "COMPANY", "CONTENT_WIDTH", "FALLBACK_FONT", "FONT", "GRID", "MARGIN", "SHADE", "STYLES",
           "CheckBox", "NumberedCanvas", "build_pdf", "cjk_cells", "document_language", "grid_table", "label", "markup",
           "para", "register_fallback_font",
           "signature_boxes"]
