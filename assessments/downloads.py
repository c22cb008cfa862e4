"""Evidence files are served only here: scope and the restricted rule are checked, the access is logged,
and the file is always an attachment of its stored type that the browser may not sniff, run or frame."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from assessments.models import Evidence
from audit import access

FALLBACK_TYPE = "application/octet-stream"


def attachment_header(filename: str, fallback: str = "evidence") -> str:
    """`Content-Disposition: attachment` with an ASCII `filename` and the exact name in RFC 6266 `filename*`.

    Path parts, control characters, quotes and separators never reach the header.
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")[:150] or fallback
    stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")

    def ascii_part(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9._ ()-]+", "_", folded).strip(" _.")

    ascii_name = (ascii_part(stem) or fallback) + (f".{ascii_part(extension)}" if ascii_part(extension) else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@require_safe
@permission_required("assessments.view_evidence", raise_exception=True)
def evidence_download(request, pk: int):
    evidence = access.get_or_deny(
        request,
        Evidence.objects.visible_to(request.user).select_related("assessment"),
        pk,
        what="evidence_file",
        person_id="assessment__person_id",
    )
    if not evidence.file:
        raise Http404("This evidence has no file.")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file of this evidence is missing from storage.") from exc
    response = FileResponse(handle, content_type=evidence.content_type or FALLBACK_TYPE)
    extension = evidence.file.name.rsplit(".", 1)[-1] if "." in evidence.file.name else "bin"
    response["Content-Disposition"] = attachment_header(evidence.original_filename or f"evidence-{evidence.pk}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    # Should a browser render it anyway: no scripts, no plugins, no framing, a unique origin.
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
