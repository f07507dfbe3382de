"""Photos a customer attaches to a return: checked by their first bytes (never by name or declared type alone),
stored under <data_dir>/return-photos with a random name, and recorded with the return in one transaction."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.returns.requesting import RequestedLine, request_return
from models.returns.tables import ReturnPhoto, ReturnRequest

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FOLDER = "return-photos"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
GENERIC_TYPES = ("", "application/octet-stream")  # what some browsers declare when they do not know


@dataclass(frozen=True)
class UploadedPhoto:
    filename: str  # as the customer named it, for people to read
    declared_type: str
    data: bytes  # at most MAX_PHOTO_BYTES + 1: a longer upload is cut there and refused for its size


@dataclass(frozen=True)
class CheckedPhoto:
    filename: str
    content_type: str  # from the magic bytes
    data: bytes


def sniff_image_type(data: bytes) -> str | None:
    """image/jpeg, image/png or image/webp when the bytes start like one; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photos(photos: list[UploadedPhoto]) -> list[CheckedPhoto]:
    """Every photo checked; ValidationFailed under ``photos`` names each refused file and why."""
    problems: list[TextMessage] = []
    if len(photos) > MAX_PHOTOS:
        problems.append(TextMessage(Text("at most %(most)s photos, not %(count)s", most=MAX_PHOTOS,
                                         count=len(photos))))
    checked = []
    for photo in photos:
        name = photo.filename or "unnamed file"
        shown = photo.filename or Text("unnamed file")
        sniffed = sniff_image_type(photo.data)
        declared = (photo.declared_type or "").split(";")[0].strip().lower()
        if len(photo.data) > MAX_PHOTO_BYTES:
            problems.append(TextMessage(Text("%(name)s is larger than %(size)s MB", name=shown,
                                             size=MAX_PHOTO_BYTES // (1024 * 1024))))
        elif sniffed is None:
            problems.append(TextMessage(Text("%(name)s is not a JPEG, PNG or WebP image", name=shown)))
        elif declared not in GENERIC_TYPES and declared not in EXTENSIONS:
            problems.append(TextMessage(Text("%(name)s was sent as %(type)s; only JPEG, PNG or WebP images are "
                                             "accepted", name=shown, type=declared)))
        else:
            checked.append(CheckedPhoto(filename=name[:200], content_type=sniffed, data=photo.data))
    if problems:
        raise ValidationFailed({"photos": problems})
    return checked


def photo_path(data_dir: Path, stored_name: str) -> Path:
    """Where a stored photo lives; the stored name is always our own random hex name."""
    return Path(data_dir) / PHOTO_FOLDER / stored_name


def request_return_with_photos(order_id: int, *, resolution: str, reason: str, comment: str,
                               lines: list[RequestedLine], photos: list[CheckedPhoto], data_dir: Path, via: str,
                               actor: str) -> ReturnRequest:
    """request_return, with the photos written first and recorded in the same transaction as the return;
    the files are removed again when the return is refused."""
    folder = Path(data_dir) / PHOTO_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, CheckedPhoto]] = []
    try:
        for photo in photos:
            path = folder / f"{secrets.token_hex(16)}.{EXTENSIONS[photo.content_type]}"
            path.write_bytes(photo.data)
            written.append((path, photo))
        with database.atomic():
            request = request_return(order_id, resolution=resolution, reason=reason, comment=comment, lines=lines,
                                     via=via, actor=actor)
            if written:
                ReturnPhoto.insert_many([
                    {"return_request": request.id, "filename": photo.filename, "content_type": photo.content_type,
                     "size_bytes": len(photo.data), "stored_name": path.name} for path, photo in written
                ]).execute()
    except BaseException:
        for path, _ in written:
            path.unlink(missing_ok=True)
        raise
    return request
