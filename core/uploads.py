"""Upload checks: an allowed type, a size limit, and content that really is what the extension says.

The file name the uploader chose never reaches the filesystem (storage names are server-generated); it is
kept only as a label, cleaned of path parts and control characters.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

TOO_LARGE = "The file is too large: the limit is {limit} MB."
EMPTY = "The file is empty."
NOT_ALLOWED = "Files of type “.{ext}” are not accepted. Upload a PDF, JPEG, PNG, Word (.docx) or plain-text file."
MISMATCH = "The file's content does not match its “.{ext}” extension, so it was refused. Save it again in the right format."
EXECUTABLE = "This file is a program, not a document, and was refused."

# extension -> (content type, content check)
ALLOWED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
}

_EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")


@dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str
    label: str


def clean_label(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip() or "file"
    return name[:150]


def check_upload(uploaded) -> CheckedUpload:
    """Return what the upload is, or raise ValidationError saying why it is refused."""
    limit = getattr(settings, "EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
    if uploaded.size == 0:
        raise ValidationError(EMPTY, code="empty_file")
    if uploaded.size > limit:
        raise ValidationError(TOO_LARGE.format(limit=limit // (1024 * 1024)), code="file_too_large")
    label = clean_label(uploaded.name or "")
    ext = label.rsplit(".", 1)[-1].lower() if "." in label else ""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    if head.startswith(_EXECUTABLE_SIGNATURES):
        raise ValidationError(EXECUTABLE, code="executable_refused")
    if ext not in ALLOWED:
        raise ValidationError(NOT_ALLOWED.format(ext=ext or "?"), code="type_not_allowed")
    if not _content_matches(ext, head, uploaded):
        raise ValidationError(MISMATCH.format(ext=ext), code="content_mismatch")
    return CheckedUpload(extension=ext, content_type=ALLOWED[ext], label=label)


def _content_matches(ext: str, head: bytes, uploaded) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in {"jpg", "jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "docx":
        if not head.startswith(b"PK\x03\x04"):
            return False
        data = uploaded.read()
        uploaded.seek(0)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)
    if ext == "txt":
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            return exc.start >= len(head) - 4  # a multi-byte character cut at the 8 KiB boundary
        return True
    return False
