"""Roster import pages: upload, choose columns and check, see every rejected row, import, follow progress.

Checking and importing a large file take a while, so (unless IMPORT_IN_BACKGROUND is off, as in tests)
they run in a thread of the web process and the page polls the job's counts with htmx. If the process
dies mid-import nothing is half-written (one transaction); the job then shows as interrupted.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import access
from core.errors import DomainError
from core.views import form_error_from_service
from people import forms, imports
from people.models import ImportJob, Team

logger = logging.getLogger(__name__)
SHOWN_REJECTIONS = 500
STALE_SECONDS = 15 * 60


def _background(action: str, job_id: int, user_id: int) -> None:
    close_old_connections()
    try:
        actor = get_user_model().objects.get(pk=user_id)
        job = ImportJob.objects.select_related("team").get(pk=job_id)
        if action == "check":
            imports.import_preview(actor=actor, job=job)
        else:
            imports.import_commit(actor=actor, job=job, claimed=True)
    except Exception as exc:  # the page shows the failure; the log says where
        message = exc.message if isinstance(exc, DomainError) else "The import stopped on an unexpected error; nothing was written."
        if not isinstance(exc, DomainError):
            logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.COMMITTED).update(
            status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now()
        )
    finally:
        connection.close()


def _run(request, job: ImportJob, action: str) -> None:
    """Run a check or an import: inline (tests, small deployments) or in a thread the page polls."""
    if getattr(settings, "IMPORT_IN_BACKGROUND", False):
        if action == "check":
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING, rows_read=0, error="")
        threading.Thread(target=_background, args=(action, job.pk, request.user.pk), daemon=True).start()
        return
    if action == "check":
        imports.import_preview(actor=request.user, job=job)
    else:
        imports.import_commit(actor=request.user, job=job, claimed=True)


@require_http_methods(["GET", "POST"])
@permission_required("people.add_person", raise_exception=True)
def import_start(request):
    teams = Team.objects.visible_to(request.user)
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None, teams=teams, limit_mb=imports.max_bytes() // 1048576)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            imports.check_size(uploaded.size)  # before reading a byte of it
            job = imports.import_upload(actor=request.user, data=uploaded.read(), label=uploaded.name or "", team=form.cleaned_data["team"])
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError):
                form.add_error("file", exc.message)
            else:
                form_error_from_service(form, exc)
        else:
            note = f" Text encoding: {job.encoding}." if job.encoding else ""
            messages.success(request, f"“{job.file_label}” uploaded: {job.rows_total} rows.{note} Check the columns, then check the rows.")
            return redirect(job)
    jobs = ImportJob.objects.filter(created_by=request.user).select_related("team")[:10]
    return render(request, "people/import_start.html", {"form": form, "jobs": jobs})


def _job(request, pk: int, *, what: str = "import_job", viewed: bool = True) -> ImportJob:
    """The import job if the user may see it, with the access logged; else the denied attempt logged and a 404.

    A job holds the rows of a roster (names, documents): its pages are logged like a file, under no one person.
    """
    with access.deny_on_404(request, what=what, object_id=pk):
        job = imports.job_for(actor=request.user, pk=pk)
    if viewed:
        access.record(request, what=what, object_id=job.pk, person_id=None)
    return job


def _mapping_form(job: ImportJob, data=None):
    initial = {f"map_{target}": column for target, column in job.mapping.items()}
    initial["residence_since"] = job.options.get("residence_since")
    return forms.ImportMappingForm(data, headers=job.headers, targets=imports.TARGETS, initial=initial)


def _stale(job: ImportJob) -> bool:
    return job.is_running and (timezone.now() - job.updated_at).total_seconds() > STALE_SECONDS


@require_safe
@permission_required("people.add_person", raise_exception=True)
def import_detail(request, pk: int):
    job = _job(request, pk)
    rejected = job.report.get("rejected", [])
    context = {
        "job": job,
        "form": _mapping_form(job) if job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED) else None,
        "rejected": rejected[:SHOWN_REJECTIONS],
        "more_rejected": max(0, len(rejected) - SHOWN_REJECTIONS),
        "skipped": job.report.get("skipped", [])[:SHOWN_REJECTIONS],
        "preview": job.report.get("preview", []),
        "stale": _stale(job),
    }
    return render(request, "people/import_detail.html", context)


@require_POST
@permission_required("people.add_person", raise_exception=True)
def import_check(request, pk: int):
    job = _job(request, pk)
    form = _mapping_form(job, request.POST)
    if form.is_valid():
        try:
            mapping = imports.check_mapping(job.headers, form.mapping())
            ImportJob.objects.filter(pk=job.pk).update(mapping=mapping, options=form.options())
            job.refresh_from_db()
            _run(request, job, "check")
        except (ValidationError, DomainError) as exc:
            messages.error(request, exc.message if isinstance(exc, DomainError) else " ".join(exc.messages))
        else:
            job.refresh_from_db()
            if job.status == ImportJob.Status.PREVIEWED:
                messages.success(
                    request,
                    f"Checked {job.rows_read} rows: {job.rows_accepted} can be imported, {job.rows_rejected} would be rejected, "
                    f"{job.rows_skipped} are already registered. Nothing has been written yet.",
                )
            else:
                messages.info(request, "Checking the rows; this page shows the progress.")
        return redirect(job)
    rejected = job.report.get("rejected", [])
    context = {"job": job, "form": form, "rejected": rejected[:SHOWN_REJECTIONS], "more_rejected": max(0, len(rejected) - SHOWN_REJECTIONS), "skipped": [], "preview": []}
    return render(request, "people/import_detail.html", context, status=200)


@require_POST
@permission_required("people.add_person", raise_exception=True)
def import_run(request, pk: int):
    job = _job(request, pk)
    try:
        imports.claim_commit(actor=request.user, job=job)
        _run(request, job, "commit")
    except (ValidationError, DomainError) as exc:
        messages.error(request, exc.message if isinstance(exc, DomainError) else " ".join(exc.messages))
        return redirect(job)
    job.refresh_from_db()
    if job.status == ImportJob.Status.COMMITTED:
        messages.success(
            request,
            f"Imported {job.rows_created} people into {job.team}. {job.rows_rejected + job.rows_skipped} rows were not imported: "
            "download them with their reasons below.",
        )
    else:
        messages.info(request, "Importing; this page shows the progress.")
    return redirect(job)


@require_POST
@permission_required("people.add_person", raise_exception=True)
def import_cancel(request, pk: int):
    job = _job(request, pk)
    try:
        imports.import_cancel(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Import cancelled: nothing was written and the uploaded file was deleted.")
    return redirect("people:import_start")


@require_safe
@permission_required("people.add_person", raise_exception=True)
def import_progress(request, pk: int):
    """The counts of a running check or import, for htmx polling; asks the page to reload when it is done.

    Counts only, polled every second by a page that logged its view: a refused attempt is logged, a poll is not.
    """
    job = _job(request, pk, viewed=False)
    response = render(request, "people/_import_progress.html", {"job": job, "stale": _stale(job)})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@require_safe
@permission_required("people.add_person", raise_exception=True)
def import_not_imported(request, pk: int):
    job = _job(request, pk, what="import_not_imported")
    response = HttpResponse(imports.rejected_rows_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="not-imported-{job.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response
