"""The parts of an XLSX workbook the import needs besides the sheet: where they are, the shared strings and which
cell styles are dates; and feeding a part to expat a block at a time, refusing what no workbook holds."""
from __future__ import annotations

import posixpath
import zipfile
from array import array
from dataclasses import dataclass
from typing import Iterator, Protocol
from xml.etree import ElementTree
from xml.parsers import expat

from models.core.errors import ImportRefused, ImportUnsafe
from models.intake.file_import.limits import cell_too_long
from models.intake.file_import.unpacking import BLOCK, part_blocks, read_part

PART_BYTES = 16 * 1024 * 1024  # relationships and workbook.xml, read whole: short lists in any real workbook
QUIET_BYTES = 1024 * 1024  # a tag, comment or ignored text this long with no element around it is not a workbook
MAX_STYLES = 1 << 20  # cell formats; Excel itself stops at 64,000
RECENT_STRINGS = 50_000  # decoded shared strings kept for re-use (short ones: SKUs, codes, currencies)
RECENT_STRING_CHARS = 256


class Handler(Protocol):
    events: int  # tags seen so far
    done: bool  # nothing more to read in this part

    def start(self, name: str, attrs: dict) -> None: ...

    def end(self, name: str) -> None: ...

    def data(self, text: str) -> None: ...


@dataclass(frozen=True)
class Parts:
    sheet: str
    strings: str | None
    styles: str | None
    date1904: bool


def local(name: str) -> str:
    """A tag without its namespace prefix ("x:row" → "row")."""
    return name.rpartition(":")[2]


def new_parser(name: str, handler: Handler) -> expat.XMLParserType:
    """An expat parser calling ``handler``'s start/end/data; refuses DTDs, which entity bombs need."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = BLOCK

    def refuse_dtd(*_) -> None:
        raise ImportUnsafe(f"{name} declares a DTD; workbook parts never do")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.data
    return parser


def feed(archive: zipfile.ZipFile, name: str, parser: expat.XMLParserType, handler: Handler,
         quiet_bytes: int = QUIET_BYTES) -> Iterator[None]:
    """Give the part to ``parser`` a block at a time, yielding after each block, until ``handler.done``."""
    quiet = 0
    try:
        for block in part_blocks(archive, name):
            seen = handler.events
            parser.Parse(block, False)
            quiet = quiet + len(block) if handler.events == seen else 0
            if quiet > quiet_bytes:  # expat is holding one endless token (a tag, a comment) in memory
                raise ImportUnsafe(f"{name} holds over {quiet_bytes} bytes without a tag: not a workbook")
            yield
            if handler.done:
                return
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ImportRefused(f"the workbook is damaged ({name}: {exc})") from None


def find_parts(archive: zipfile.ZipFile) -> Parts:
    """The first worksheet (as openpyxl's ``worksheets[0]``), the shared strings and styles, the date system."""
    package = _relationships(archive, "")
    workbook = next((path for kind, path in package.values() if kind.endswith("/officeDocument")), "xl/workbook.xml")
    root = _xml(archive, workbook)
    related = _relationships(archive, workbook)
    sheet = None
    for element in root.iter():
        if local_tag(element.tag) == "sheet":
            rel_id = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
            kind, path = related.get(rel_id, ("", ""))
            if kind.endswith("/worksheet"):
                sheet = path
                break
    if sheet is None:
        raise ImportRefused("the workbook has no worksheet")
    date1904 = any(local_tag(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true") for e in root.iter())
    of_kind = {kind.rpartition("/")[2]: path for kind, path in reversed(related.values())}
    return Parts(sheet=sheet, strings=of_kind.get("sharedStrings"), styles=of_kind.get("styles"), date1904=date1904)


def has_part(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def local_tag(tag: str) -> str:
    """An ElementTree tag without its namespace ("{…}sheet" → "sheet")."""
    return tag.rpartition("}")[2]


def _relationships(archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part path) of ``source`` ("" for the package)."""
    folder, base = posixpath.split(source)
    name = posixpath.join(folder, "_rels", f"{base}.rels")
    if not has_part(archive, name):
        return {}
    found = {}
    for element in _xml(archive, name).iter():
        if local_tag(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        target = element.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[element.get("Id")] = (element.get("Type", ""), path)
    return found


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    data = read_part(archive, name, PART_BYTES)
    if b"<!DOCTYPE" in data:
        raise ImportUnsafe(f"{name} declares a DTD; workbook parts never do")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ImportRefused(f"the workbook is damaged ({name}: {exc})") from None


class SharedStrings:
    """The workbook's shared strings as one UTF-8 buffer and their end offsets: a few bytes each, not a str object
    (a table of millions would otherwise take GBs)."""

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("Q")
        self._recent: dict[int, str] = {}

    def append(self, text: str) -> None:
        self._text += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._text))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        found = self._recent.get(index)
        if found is None:
            if index < 0:
                raise IndexError(index)
            end = self._ends[index]
            found = self._text[self._ends[index - 1] if index else 0:end].decode("utf-8", "surrogatepass")
            if len(found) <= RECENT_STRING_CHARS:
                if len(self._recent) >= RECENT_STRINGS:
                    self._recent.clear()
                self._recent[index] = found
        return found


class _StringsReader:
    """sharedStrings.xml: each <si>'s text, plain or rich runs, phonetic runs left out (as openpyxl reads it)."""

    def __init__(self, name: str, max_chars: int) -> None:
        self.name, self.max_chars = name, max_chars
        self.strings = SharedStrings()
        self.events, self.done = 0, False
        self._pieces: list[str] = []
        self._size = 0
        self._capture = self._phonetic = False

    def start(self, name: str, attrs: dict) -> None:
        self.events += 1
        tag = local(name)
        if tag == "si":
            self._pieces, self._size = [], 0
        elif tag == "t":
            self._capture = not self._phonetic
        elif tag == "rPh":
            self._phonetic = True

    def data(self, text: str) -> None:
        if self._capture:
            self._size += len(text)
            if self._size > self.max_chars:
                raise cell_too_long(f"shared string {len(self.strings)}", self._size, self.max_chars)
            self._pieces.append(text)

    def end(self, name: str) -> None:
        self.events += 1
        tag = local(name)
        if tag == "t":
            self._capture = False
        elif tag == "rPh":
            self._phonetic = False
        elif tag == "si":
            self.strings.append("".join(self._pieces).replace("x005F_", ""))


def shared_strings(archive: zipfile.ZipFile, name: str | None, max_chars: int) -> SharedStrings:
    if name is None or not has_part(archive, name):
        return SharedStrings()
    reader = _StringsReader(name, max_chars)
    for _ in feed(archive, name, new_parser(name, reader), reader, max(QUIET_BYTES, 8 * max_chars)):
        pass
    return reader.strings


class _StylesReader:
    """styles.xml: the index of each cell format (<cellXfs><xf>) whose number format shows a date or a duration."""

    def __init__(self, name: str) -> None:
        from openpyxl.styles import (
            numbers,  # only XLSX uploads pay for importing openpyxl
        )

        self.name, self._numbers = name, numbers
        self.events, self.done = 0, False
        self.dates: set[str] = set()  # as the sheet's s="…" attribute spells them
        self.durations: set[str] = set()
        self._custom: dict[int, str] = {}
        self._in_cell_formats = False
        self._count = 0

    def start(self, name: str, attrs: dict) -> None:
        self.events += 1
        tag = local(name)
        if tag == "numFmt":
            self._custom[_int(attrs.get("numFmtId"), self.name)] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            self._in_cell_formats = True
        elif tag == "xf" and self._in_cell_formats:
            if self._count >= MAX_STYLES:
                raise ImportUnsafe(f"{self.name} has more than {MAX_STYLES} cell formats: not a workbook")
            number_format = _int(attrs.get("numFmtId") or "0", self.name)
            code = self._custom.get(number_format) or self._numbers.builtin_format_code(number_format) or ""
            if self._numbers.is_date_format(code):
                self.dates.add(str(self._count))
            if self._numbers.is_timedelta_format(code):
                self.durations.add(str(self._count))
            self._count += 1

    def data(self, text: str) -> None:
        pass

    def end(self, name: str) -> None:
        self.events += 1
        if local(name) == "cellXfs":
            self._in_cell_formats, self.done = False, True


def date_styles(archive: zipfile.ZipFile, name: str | None) -> tuple[set[str], set[str]]:
    """(styles showing dates, styles showing durations), as the sheet's s="…" spells them."""
    if name is None or not has_part(archive, name):
        return set(), set()
    reader = _StylesReader(name)
    for _ in feed(archive, name, new_parser(name, reader), reader):
        pass
    return reader.dates, reader.durations


def _int(text: str | None, name: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise ImportRefused(f"the workbook is damaged ({name}: {text!r} is not a number)") from None
