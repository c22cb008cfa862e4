"""Evidence files: real files in, executables and impostors out; served only through the scoped download."""

from __future__ import annotations

import io
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.downloads import attachment_header
from assessments.models import Evidence
from audit.models import AccessLog
from core import uploads
from tests.assessments import builders

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# ---------------------------------------------------------------------------------------------------------
# Real files


def real_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length 35 >>\nstream\nBT /F1 12 Tf 20 100 Td (Fictional) Tj ET\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def real_png() -> bytes:
    """A 2x2 RGB PNG built chunk by chunk (CRCs included)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def real_docx() -> bytes:
    """A minimal WordprocessingML package, as Word writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        docx.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        docx.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Fictional statement</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def real_elf() -> bytes:
    """A real Linux program: the Python interpreter running these tests."""
    return Path(sys.executable).resolve().read_bytes()[:65536]


def real_pe() -> bytes:
    import pip

    launcher = Path(pip.__file__).parent / "_vendor" / "distlib" / "t64.exe"
    return launcher.read_bytes()


GOOD = [
    ("statement.pdf", real_pdf, "application/pdf"),
    ("scan.png", real_png, "image/png"),
    ("photo.JPG", lambda: (FIXTURES / "python.jpg").read_bytes(), "image/jpeg"),
    ("report.docx", real_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("notes.txt", lambda: "Témoignage fictif, نص خيالي\n".encode(), "text/plain"),
]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize("name, make, content_type", GOOD)
def test_real_documents_are_accepted_with_their_type(name, make, content_type):
    checked = uploads.check_upload(upload(name, make()))
    assert checked.content_type == content_type and checked.label == name


BAD = [
    ("ELF executable renamed .pdf", lambda: upload("statement.pdf", real_elf()), "executable_refused", uploads.EXECUTABLE),
    ("PE executable renamed .pdf", lambda: upload("statement.pdf", real_pe()), "executable_refused", uploads.EXECUTABLE),
    ("PE executable as .exe", lambda: upload("setup.exe", real_pe()), "executable_refused", uploads.EXECUTABLE),
    (".exe extension", lambda: upload("notes.exe", b"plain words"), "type_not_allowed", uploads.NOT_ALLOWED.format(ext="exe")),
    ("GIF (not accepted)", lambda: upload("photo.gif", (FIXTURES / "python.gif").read_bytes()), "type_not_allowed", uploads.NOT_ALLOWED.format(ext="gif")),
    ("PNG renamed .pdf", lambda: upload("scan.pdf", real_png()), "content_mismatch", uploads.MISMATCH.format(ext="pdf")),
    ("zip renamed .docx", lambda: upload("report.docx", _plain_zip()), "content_mismatch", uploads.MISMATCH.format(ext="docx")),
    ("empty", lambda: upload("empty.pdf", b""), "empty_file", uploads.EMPTY),
    ("one byte over the limit", lambda: upload("huge.pdf", real_pdf() + b"0" * (20 * 1024 * 1024 + 1 - len(real_pdf()))), "file_too_large", uploads.TOO_LARGE.format(limit=20)),
]


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    return buffer.getvalue()


@pytest.mark.parametrize("case, make, code, message", BAD, ids=[b[0] for b in BAD])
def test_refused_uploads_say_why(case, make, code, message):
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(make())
    assert refused.value.code == code
    assert refused.value.messages == [message]


@pytest.mark.django_db
def test_a_refused_upload_saves_nothing(caseworker, person, tmp_path):
    assessment = builders.start(assessor=caseworker, person=person)
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(actor=caseworker, assessment=assessment, data={"kind": "document", "title": "x", "source": "y"}, upload=upload("statement.pdf", real_elf()))
    assert refused.value.messages == [uploads.EXECUTABLE]
    assert not Evidence.objects.exists()
    assert not [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]  # nothing kept on disk


@pytest.mark.django_db
def test_stored_names_are_generated_by_the_server(caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    evidence = services.evidence_add(
        actor=caseworker, assessment=assessment, data={"kind": "document", "title": "x", "source": "y"},
        upload=upload("../../etc/cron.d/evil name.pdf", real_pdf()),
    )
    assert evidence.original_filename == "evil name.pdf"
    assert "evil" not in evidence.file.name and ".." not in evidence.file.name
    assert evidence.file.name.endswith(".pdf") and len(Path(evidence.file.name).stem) == 32


# ---------------------------------------------------------------------------------------------------------
# Downloads


@pytest.fixture
def evidence(caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    return services.evidence_add(
        actor=caseworker, assessment=assessment, data={"kind": "document", "title": "Fictional statement", "source": "Interview"},
        upload=upload("déclaration \"finale\".pdf", real_pdf()),
    )


@pytest.mark.django_db
def test_the_download_is_a_safe_attachment_and_is_logged(client, caseworker, evidence):
    client.force_login(caseworker)
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == real_pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename=\"declaration finale.pdf\"; filename*=UTF-8''d%C3%A9claration%20finale.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    row = AccessLog.objects.get()
    assert (row.what, row.object_id, row.person_id, row.outcome) == ("evidence_file", evidence.pk, evidence.assessment.person_id, "viewed")


@pytest.mark.django_db
def test_the_download_is_404_outside_the_caseload_and_the_attempt_is_logged(client, other_caseworker, evidence):
    client.force_login(other_caseworker)
    assert client.get(reverse("evidence_download", args=[evidence.pk])).status_code == 404
    row = AccessLog.objects.get()
    assert (row.what, row.object_id, row.person_id, row.outcome) == ("evidence_file", evidence.pk, None, "denied")


@pytest.mark.django_db
def test_there_is_no_public_url_for_evidence_files(client, caseworker, evidence, settings):
    client.force_login(caseworker)
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    for url in (f"/media/{evidence.file.name}", f"/media/evidence/{evidence.file.name}", f"/{evidence.file.name}", f"/static/{evidence.file.name}"):
        assert client.get(url).status_code == 404, url
    with pytest.raises(ValueError, match="evidence_download"):
        evidence.file.url  # noqa: B018  (the storage has no URL at all)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
        ("../../etc/passwd", "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"),
        ("a\r\nSet-Cookie: x=1.pdf", "attachment; filename=\"aSet-Cookie_ x_1.pdf\"; filename*=UTF-8''aSet-Cookie%3A%20x%3D1.pdf"),
        ("تقرير.pdf", "attachment; filename=\"evidence.pdf\"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.pdf"),
        ("", "attachment; filename=\"evidence\"; filename*=UTF-8''evidence"),
    ],
)
def test_content_disposition_never_carries_paths_quotes_or_line_breaks(name, expected):
    assert attachment_header(name) == expected


# ---------------------------------------------------------------------------------------------------------
# Restricted evidence: the assessor, the team's supervisors, administrators


@pytest.fixture
def restricted(caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    return services.evidence_add(
        actor=caseworker, assessment=assessment, data={"kind": "medical", "title": "Fictional medical report", "source": "Clinic", "restricted": True},
        upload=upload("medical.pdf", real_pdf()),
    )


@pytest.fixture
def colleague(team):
    """Another caseworker of the same team: sees the person, not restricted evidence."""
    from core import roles
    from tests.factories import UserFactory

    user = UserFactory(username="cw_a2", role=roles.CASEWORKER)
    team.members.add(user)
    return user


@pytest.fixture
def member_supervisor(team):
    """A supervisor who is a member of the team but does not supervise it."""
    from core import roles
    from tests.factories import UserFactory

    user = UserFactory(username="sup_member", role=roles.SUPERVISOR)
    team.members.add(user)
    return user


RESTRICTED_EXPECTED = {
    "caseworker": True,  # the assessor
    "supervisor": True,
    "administrator": True,
    "colleague": False,
    "member_supervisor": False,
    "other_caseworker": False,
    "other_supervisor": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", RESTRICTED_EXPECTED)
def test_restricted_evidence_rule_is_one_rule_for_queries_objects_and_downloads(client, request, role, restricted):
    user = request.getfixturevalue(role)
    expected = RESTRICTED_EXPECTED[role]
    assert Evidence.objects.visible_to(user).filter(pk=restricted.pk).exists() is expected
    in_scope = user.teams.filter(pk=restricted.assessment.person.owning_team_id).exists() or role == "administrator"
    if in_scope:
        from assessments.selectors import visible_evidence

        assert (restricted in visible_evidence(restricted.assessment, user)) is expected
    client.force_login(user)
    response = client.get(reverse("evidence_download", args=[restricted.pk]))
    assert response.status_code == (200 if expected else 404)


@pytest.mark.django_db
def test_unrestricted_evidence_is_visible_to_the_whole_team(colleague, evidence):
    assert Evidence.objects.visible_to(colleague).filter(pk=evidence.pk).exists()
