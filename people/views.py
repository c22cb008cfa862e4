"""Registry pages. Views parse input, call a selector or a service, and render; they hold no rules."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from audit import access
from core import clock
from core.errors import DomainError
from core.pagination import keyset_page
from core.views import form_error_from_service
from people import exports, forms, merge, selectors, services
from people.duplicates import PossibleDuplicates
from people.scoping import visible_team_ids
from people.models import Camp, LegalStatus, Person, Residence, Team

PER_PAGE = 50


@require_safe
@permission_required("people.view_person", raise_exception=True)
def person_list(request):
    """The caseload, filtered and paged by name; with a query, the best matches ranked by similarity."""
    results = selectors.person_list_results(user=request.user, params=request.GET)
    context = {"filter": results.filter, "query": results.query, "ranked": results.ranked}
    if results.ranked is not None:
        for result in results.ranked:
            result.person.match_percent, result.person.match_exact = result.percent, result.exact
        context["ranked_people"] = [result.person for result in results.ranked]
    if results.ranked is None:
        context["page"] = keyset_page(
            results.queryset.with_list_data(),
            keys=("full_name_latin", "id"),
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            per_page=PER_PAGE,
        )
    return render(request, "people/person_list.html", context)


@require_safe
@permission_required("people.view_person", raise_exception=True)
def person_detail(request, pk: int):
    from assessments import selectors as case_selectors

    try:
        person = selectors.person_for_user(
            user=request.user, pk=pk, also=case_selectors.case_prefetches()
        )
    except Http404:
        survivor = selectors.merged_into(user=request.user, merged_id=pk)
        if survivor is None:
            access.record_denied(request, what="person", object_id=pk, person_id=pk)
            raise
        messages.info(request, f"P-{pk:06d} was merged into {survivor.reference}; this is the record now.")
        return redirect(survivor)
    access.record(request, what="person", object_id=person.pk, person_id=person.pk)
    today = clock.today()
    case = case_selectors.person_case(person)
    context = {
        "person": person,
        "case": case,
        "timeline": case_selectors.person_timeline(person, case),
        "relatives": selectors.family_of(person, user=request.user),
        "age": person.age_on(today),
        "today": today,
        "record_kinds": RECORD_KINDS,
    }
    return render(request, "people/person_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("people.add_person", raise_exception=True)
def person_create(request):
    """Register a person; likely duplicates are shown with their reasons and score before anything is saved."""
    teams = Team.objects.visible_to(request.user)
    form = forms.PersonCreateForm(request.POST or None, teams=teams, initial=_person_defaults(request.user, teams))
    matches = []
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=request.user, data=form.service_data(), other_names=form.other_name_list(),
                confirmed_distinct_from=form.distinct_ids(),
            )
        except PossibleDuplicates as exc:
            matches = _visible_matches(request.user, exc.matches)
            form.add_error(None, exc.message)
            data = form.data.copy()
            data["distinct_from"] = ",".join(str(m.person.pk) for m in exc.matches)
            data["confirm_distinct"] = ""
            form.data = data
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            confirmed = len(form.distinct_ids())
            note = f" Your confirmation that this is a different person from {confirmed} similar record(s) was recorded." if confirmed else ""
            messages.success(request, f"Registered {person.full_name_latin} as {person.reference}.{note}")
            return redirect(person)
    if not matches:
        form.fields["confirm_distinct"].widget = django_forms.HiddenInput()
    context = {"form": form, "title": "Register a person", "matches": matches}
    return render(request, "people/person_form.html", context)


@dataclass
class ShownMatch:
    person: Person
    score: int
    reasons: list
    visible: bool


def _visible_matches(user, matches) -> list[ShownMatch]:
    """Likely duplicates as a user may see them: outside their caseload, only the reference (as for relatives)."""
    ids = visible_team_ids(user)
    return [ShownMatch(m.person, m.score, m.reasons, ids is None or m.person.owning_team_id in ids) for m in matches]


def _person_defaults(user, teams) -> dict:
    member_team = teams.filter(members=user).first()
    return {"owning_team": member_team, "assigned_caseworker": user if member_team else None}


@require_http_methods(["GET", "POST"])
@permission_required("people.change_person", raise_exception=True)
def person_update(request, pk: int):
    person = access.get_or_deny(request, Person.objects.visible_to(request.user), pk, what="person_edit", person_id="pk")
    teams = Team.objects.visible_to(request.user)
    form = forms.PersonForm(request.POST or None, instance=person, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, data=form.service_data())
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(person)
    return render(request, "people/person_form.html", {"form": form, "title": f"Edit {person.reference}", "person": person})


# ---------------------------------------------------------------------------------------------------------
# Records added from the profile: one view, one registry of kinds (form, service, heading).

RECORD_KINDS = {
    "name": (forms.PersonNameForm, services.person_name_add, "Add an alias or other spelling"),
    "document": (forms.IdentityDocumentForm, services.identity_document_add, "Add an identity document"),
    "registration": (forms.RegistrationForm, services.registration_add, "Add a registration number"),
    "residence": (forms.ResidenceForm, services.residence_add, "Record a residence"),
    "status": (forms.LegalStatusForm, services.legal_status_add, "Record a legal status"),
    "affiliation": (forms.AffiliationForm, services.affiliation_add, "Record an affiliation"),
    "family": (forms.FamilyLinkForm, services.family_link_add, "Link a family member"),
    "vulnerability": (forms.VulnerabilityForm, services.vulnerability_add, "Record a vulnerability"),
}


@require_http_methods(["GET", "POST"])
def person_record_add(request, pk: int, kind: str):
    if kind not in RECORD_KINDS:
        raise Http404("Unknown record kind.")
    form_class, service, heading = RECORD_KINDS[kind]
    if not request.user.has_perm(f"people.add_{form_class._meta.model._meta.model_name}"):
        raise PermissionDenied
    person = access.get_or_deny(request, Person.objects.visible_to(request.user), pk, what="person_record", person_id="pk")
    form = form_class(request.POST or None, person=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, person=person, **form.service_kwargs())
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, f"{heading.removeprefix('Add ').removeprefix('Record ').capitalize()}: saved.")
            return redirect(person)
    return render(request, "people/record_form.html", {"form": form, "person": person, "title": heading})


END_KINDS = {
    "residence": (Residence, services.residence_end, "residence", "End this residence"),
    "status": (LegalStatus, services.legal_status_end, "status", "End this legal status"),
}


@require_http_methods(["GET", "POST"])
def person_record_end(request, pk: int, kind: str, record_pk: int):
    if kind not in END_KINDS:
        raise Http404("Unknown record kind.")
    model, service, argument, heading = END_KINDS[kind]
    if not request.user.has_perm(f"people.change_{model._meta.model_name}"):
        raise PermissionDenied
    with access.deny_on_404(request, what="person_record", object_id=pk, person_id=pk):  # a record of someone else is missing too
        person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
        record = get_object_or_404(model, pk=record_pk, person=person)
    access.record(request, what="person_record", object_id=person.pk, person_id=person.pk)
    form = forms.EndDateForm(request.POST or None, initial={"ended_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, **{argument: record}, ended_on=form.cleaned_data["ended_on"])
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, "Saved: end date recorded.")
            return redirect(person)
    return render(request, "people/record_form.html", {"form": form, "person": person, "title": heading, "record": record})


# ---------------------------------------------------------------------------------------------------------
# Camps


@require_safe
@permission_required("people.view_camp", raise_exception=True)
def camp_list(request):
    paginator = Paginator(selectors.camp_list(), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "people/camp_list.html", {"page": page})


@require_safe
@permission_required("people.view_camp", raise_exception=True)
def camp_detail(request, pk: int):
    camp = get_object_or_404(selectors.camp_list(), pk=pk)
    page = keyset_page(
        selectors.camp_residents(camp, user=request.user),
        keys=("full_name_latin", "id"),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        per_page=PER_PAGE,
    )
    context = {"camp": camp, "page": page, "occupancy": Camp.occupancy_percent(camp.population, camp.capacity)}
    return render(request, "people/camp_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("people.add_camp", raise_exception=True)
def camp_create(request):
    form = forms.CampForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            camp = services.camp_create(actor=request.user, data=form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, f"Camp {camp.name} created.")
            return redirect(camp)
    return render(request, "people/camp_form.html", {"form": form, "title": "New camp"})


@require_http_methods(["GET", "POST"])
@permission_required("people.change_camp", raise_exception=True)
def camp_update(request, pk: int):
    camp = get_object_or_404(Camp, pk=pk)
    form = forms.CampForm(request.POST or None, instance=camp)
    if request.method == "POST" and form.is_valid():
        try:
            services.camp_update(actor=request.user, camp=camp, data=form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(camp)
    return render(request, "people/camp_form.html", {"form": form, "title": f"Edit {camp.name}", "camp": camp})


# ---------------------------------------------------------------------------------------------------------
# Exports and the printable case file


@require_safe
@permission_required("people.export_person", raise_exception=True)
def person_export(request, fmt: str):
    """The person list as filtered on the page (scoped to the user), as CSV (streamed) or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format.")
    results = selectors.person_list_results(user=request.user, params=request.GET)
    ranked = [r.person for r in results.ranked] if results.ranked is not None else None
    count = len(ranked) if ranked is not None else (results.queryset.count() if fmt == "xlsx" else None)
    exports.record_export_access(request=request, fmt=fmt)
    people = exports.iter_people(queryset=results.queryset, ranked=ranked)
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_chunks(people), content_type="text/csv; charset=utf-8")
    else:
        try:
            body = exports.xlsx_bytes(people, count=count)
        except exports.ExportTooLarge as exc:
            messages.error(request, exc.message)
            return redirect(reverse("people:person_list") + ("?" + request.GET.urlencode() if request.GET else ""))
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@permission_required("people.view_person", raise_exception=True)
def person_case_file(request, pk: int):
    """The whole file of a person on one page, laid out for printing (or saving as PDF from the browser)."""
    with access.deny_on_404(request, what="case_file", object_id=pk, person_id=pk):
        case = selectors.case_file_for(user=request.user, pk=pk)
    access.record(request, what="case_file", object_id=case.person.pk, person_id=case.person.pk)
    context = {"case": case, "person": case.person, "relatives": selectors.family_of(case.person, user=request.user), "today": clock.today()}
    return render(request, "people/case_file.html", context)


# ---------------------------------------------------------------------------------------------------------
# Merging duplicates (administrators)


@require_http_methods(["GET", "POST"])
@permission_required("people.merge_person", raise_exception=True)
def person_merge(request, pk: int):
    """Merge a duplicate record into this one: enter its reference and why, see what will happen, confirm."""
    survivor = access.get_or_deny(request, Person.objects.visible_to(request.user), pk, what="person_merge", person_id="pk")
    form = forms.MergeForm(request.POST or None, survivor=survivor)
    preview = None
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["merged_reference"]
        try:
            if request.POST.get("action") == "merge":
                record = merge.person_merge(actor=request.user, survivor=survivor, merged=other, reason=form.cleaned_data["reason"])
            else:
                preview = merge.merge_preview(actor=request.user, survivor=survivor, merged=other)
        except merge.MergeRefused as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            if preview is None:
                messages.success(request, f"{record.merged_reference} was merged into {survivor.reference}; the merge is recorded on this page.")
                return redirect(survivor)
    context = {"form": form, "person": survivor, "preview": preview, "other": form.cleaned_data.get("merged_reference") if form.is_bound and form.is_valid() else None}
    return render(request, "people/person_merge.html", context)
