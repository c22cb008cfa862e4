"""History and access-log pages for supervisors and administrators, inside the one scoping rule."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.models import Assessment
from audit import access, history, selectors
from core.pagination import keyset_page
from people.models import Person

PER_PAGE = 50


@require_safe
@permission_required("people.view_history", raise_exception=True)
def person_history(request, pk: int):
    person = access.get_or_deny(request, Person.objects.visible_to(request.user), pk, what="person_history", person_id="pk")
    page = history.person_history(person, user=request.user, after=request.GET.get("after"), before=request.GET.get("before"))
    return render(request, "audit/history.html", {"subject": person, "page": page, "back_url": person.get_absolute_url(), "kind": "person"})


@require_safe
@permission_required("assessments.view_history", raise_exception=True)
def assessment_history(request, pk: int):
    assessment = access.get_or_deny(
        request,
        Assessment.objects.visible_to(request.user).select_related("person"),
        pk,
        what="assessment_history",
        person_id="person_id",
    )
    page = history.assessment_history(
        assessment, user=request.user, after=request.GET.get("after"), before=request.GET.get("before")
    )
    context = {"subject": assessment, "page": page, "back_url": assessment.get_absolute_url(), "kind": "assessment"}
    return render(request, "audit/history.html", context)


@require_safe
@permission_required("people.view_access_log", raise_exception=True)
def person_access_log(request, pk: int):
    person = access.get_or_deny(request, Person.objects.visible_to(request.user), pk, what="person_viewers", person_id="pk")
    page = keyset_page(
        selectors.access_to_person(person.pk),
        keys=("at", "id"),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        per_page=PER_PAGE,
        descending=True,
    )
    return render(request, "audit/person_access_log.html", {"person": person, "page": page})
