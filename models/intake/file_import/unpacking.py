"""Opening an XLSX file's zip without trusting it: the sizes its directory declares are checked before a byte is
unpacked, and parts are then read a block at a time.

A zip bomb is a few hundred KB that unpacks to GBs (one 300 MB cell, a sharedStrings.xml of millions of
entries). The directory declares each part's unpacked size, and zipfile never returns more than that (it stops
there and checks the CRC), so refusing on declared sizes — each part, the total, the packing ratio — is both
cheap and sufficient.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Iterator

from models.core.errors import ImportRefused, ImportTooLarge, ImportUnsafe
from models.intake.file_import.limits import ReadLimits

BLOCK = 64 * 1024
MAX_PARTS = 10_000  # a workbook has a few dozen; listing millions of entries alone costs GBs
RATIO_FLOOR = 1024 * 1024  # parts smaller than this unpack to little, whatever their ratio
END_OF_DIRECTORY = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ENCRYPTED = 0x1


def open_archive(path: Path, limits: ReadLimits) -> zipfile.ZipFile:
    """The workbook's zip, refused before anything is unpacked when its declared sizes pass the limits."""
    _check_part_count(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(f"cannot open the workbook: {exc}") from None
    try:
        check_parts(archive.infolist(), limits)
    except BaseException:
        archive.close()
        raise
    return archive


def check_parts(parts: list[zipfile.ZipInfo], limits: ReadLimits) -> None:
    """Refuse encrypted parts, a part or a total unpacking past the limit, and a part packed like a bomb."""
    total = 0
    for part in parts:
        if part.flag_bits & ENCRYPTED:
            raise ImportUnsafe("the workbook is password-protected; save it without a password")
        size, packed = part.file_size, part.compress_size
        if size > limits.max_unpacked_bytes:
            raise ImportTooLarge(f"{part.filename} unpacks to {size} bytes, more than the limit of "
                                 f"{limits.max_unpacked_bytes}; split the file")
        if size > RATIO_FLOOR and size > packed * limits.max_unpack_ratio:
            raise ImportUnsafe(f"{part.filename} unpacks to {size // max(packed, 1)} times its packed size "
                               f"(the limit is {limits.max_unpack_ratio}): a zip bomb, not a workbook")
        total += size
        if total > limits.max_unpacked_bytes:
            raise ImportTooLarge(f"the workbook unpacks to more than the limit of {limits.max_unpacked_bytes} "
                                 "bytes; split the file")


def part_blocks(archive: zipfile.ZipFile, name: str, size: int = BLOCK) -> Iterator[bytes]:
    """A part's unpacked bytes, ``size`` at a time; a damaged part is refused."""
    try:
        with archive.open(name) as stream:
            while block := stream.read(size):
                yield block
    except KeyError:
        raise ImportRefused(f"the workbook is damaged: it has no part {name}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ImportRefused(f"the workbook is damaged ({name}: {exc})") from None


def read_part(archive: zipfile.ZipFile, name: str, max_bytes: int) -> bytes:
    """A small part whole (relationships, workbook.xml); refused past ``max_bytes``."""
    data = bytearray()
    for block in part_blocks(archive, name):
        data += block
        if len(data) > max_bytes:
            raise ImportTooLarge(f"{name} is larger than {max_bytes} bytes; no workbook needs that")
    return bytes(data)


def _check_part_count(path: Path) -> None:
    """Refuse a zip listing more than MAX_PARTS entries before zipfile reads its directory into memory."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 22 - 65_535 - 20))  # the end record, its comment and a zip64 locator
        tail = handle.read()
        at = tail.rfind(END_OF_DIRECTORY)
        if at < 0 or at + 22 > len(tail):
            return  # not a zip: zipfile says so with its own message
        count = int.from_bytes(tail[at + 10:at + 12], "little")
        locator = at - 20
        if count == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == ZIP64_LOCATOR:
            handle.seek(int.from_bytes(tail[locator + 8:locator + 16], "little") + 32)
            count = int.from_bytes(handle.read(8), "little")
    if count > MAX_PARTS:
        raise ImportUnsafe(f"the file lists {count} zip entries (a workbook has a few dozen): not a workbook")
