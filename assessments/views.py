"""Pages of the assessment workflow. Views parse input, call a selector or a service, and render.

The assessment editor is one page of sections; each section saves on its own (with htmx, only that
section is swapped, so what was typed in other sections stays on the page) and the completeness
checklist is refreshed beside it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import choices, selectors, services
from assessments.completeness import assessment_missing
from audit import access
from assessments.forms import (
    AssuranceForm,
    ConclusionForm,
    ConsentForm,
    ConsistencyFormSet,
    DecisionForm,
    DeclarationForm,
    EvidenceForm,
    FindingForm,
    FlagForm,
    FlagResolveForm,
    InterviewForm,
    NoInterviewForm,
    ProposalForm,
    ReasonForm,
    ReviewForm,
    RouteChoiceForm,
    RouteForm,
    RouteFormMixin,
)
from assessments.models import Assessment, Evidence, Flag, RemovalProposal, RiskType, VoluntaryReturnConsent, route_label
from core import clock
from core.pagination import offset_page
from core.errors import DomainError
from core.views import form_error_from_service, service_error_message
from people.models import Person, Team

PER_PAGE = 50
SECTIONS = ("route", "interviews", "evidence", "findings", "assurances", "conclusion", "declaration")


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _person(request, pk: int, *, what: str = "person_record") -> Person:
    """The person in scope, with the access logged (a refused or missing one logged as denied, and a 404)."""
    return access.get_or_deny(request, Person.objects.visible_to(request.user).select_related("owning_team"), pk, what=what, person_id="pk")


def _can_edit(user, assessment: Assessment) -> bool:
    return user.has_perm("assessments.change_assessment") and services.edit_refusal(user, assessment) is None


# ---------------------------------------------------------------------------------------------------------
# Proposals and starting an assessment


@require_http_methods(["GET", "POST"])
@permission_required("assessments.add_removalproposal", raise_exception=True)
def proposal_create(request, person_pk: int):
    person = _person(request, person_pk)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        destination, transit = form.route()
        try:
            proposal = services.proposal_create(
                actor=request.user, person=person, measure=form.cleaned_data["measure"], destination=destination,
                transit_countries=transit, proposed_by=form.cleaned_data["proposed_by"],
                planned_date=form.cleaned_data["planned_date"], notes=form.cleaned_data["notes"],
            )
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, f"Removal proposal recorded: {proposal}. It needs an individual assessment of every country on the route.")
            return redirect(person)
    return render(request, "assessments/simple_form.html", {"form": form, "person": person, "title": "Record a proposed removal", "submit": "Record the proposal"})


@require_http_methods(["GET", "POST"])
@permission_required("assessments.add_assessment", raise_exception=True)
def assessment_start(request, person_pk: int):
    with access.deny_on_404(request, what="person_record", object_id=person_pk, person_id=person_pk):
        person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_pk)
        proposal = None
        if request.GET.get("proposal"):  # not this person's, not a proposal, not a number: missing alike
            proposal = get_object_or_404(RemovalProposal, pk=_record_id(request.GET["proposal"]) or 0, person=person)
    access.record(request, what="person_record", object_id=person.pk, person_id=person.pk)
    if proposal is not None:
        initial = RouteFormMixin.route_initial(str(proposal.destination), list(proposal.transit_countries))
    else:
        transit = [c for c in request.GET.get("transit", "").upper().split(",") if c]
        initial = RouteFormMixin.route_initial(request.GET.get("destination", "").upper(), transit)
    form = RouteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        destination, transit = form.route()
        try:
            assessment = services.assessment_start(
                actor=request.user, person=person, proposal=proposal, destination=destination, transit_countries=transit
            )
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, f"Assessment {assessment.reference} started. The checklist shows what it still needs.")
            return redirect(assessment)
    title = f"Start an assessment: {proposal}" if proposal else "Start an individual risk assessment"
    return render(request, "assessments/simple_form.html", {"form": form, "person": person, "title": title, "submit": "Start the assessment"})


# ---------------------------------------------------------------------------------------------------------
# The editor


def _editor_forms(request, assessment: Assessment) -> dict:
    return {
        "route": RouteForm(initial=RouteFormMixin.route_initial(str(assessment.destination), list(assessment.transit_countries)), auto_id="id_route_%s"),
        "interview": InterviewForm(team=assessment.person.owning_team, initial={"interviewer": request.user.pk}, auto_id="id_interview_%s"),
        "no_interview": NoInterviewForm(initial={"no_interview_reason": assessment.no_interview_reason}, auto_id="id_nointerview_%s"),
        "evidence": EvidenceForm(auto_id="id_evidence_%s"),
        "consistency": ConsistencyFormSet(prefix="ic"),
        "assurance": AssuranceForm(assessment=assessment, auto_id="id_assurance_%s"),
        "conclusion": ConclusionForm(
            initial={"conclusion": assessment.conclusion, "conclusion_reasons": assessment.conclusion_reasons}, auto_id="id_conclusion_%s"
        ),
        "declaration": DeclarationForm(
            initial={"not_involved": assessment.declares_not_involved, "no_conflict": assessment.declares_no_conflict},
            auto_id="id_declaration_%s",
        ),
    }


def _editor_context(request, assessment: Assessment, bound: dict | None = None) -> dict:
    risk_types = selectors.active_risk_types()
    editable = _can_edit(request.user, assessment)
    forms = _editor_forms(request, assessment) if editable else {}
    forms.update(bound or {})
    return {
        "assessment": assessment,
        "person": assessment.person,
        "editable": editable,
        "forms": forms,
        "missing": assessment_missing(assessment, risk_types=risk_types),
        "matrix": selectors.findings_matrix(assessment, risk_types),
        "evidence_list": selectors.visible_evidence(assessment, request.user),
        "sections": SECTIONS,
        # What the header offers: exactly what the services would allow (their reasons otherwise).
        "review_refusal": services.review_refusal(request.user, assessment),
        "can_withdraw": services.withdraw_refusal(request.user, assessment) is None,
        "can_reopen": services.reopen_refusal(request.user, assessment) is None,
        "expired": assessment.is_expired(clock.today()),
    }


def _assessment_viewed(request, pk: int) -> Assessment:
    """The assessment in scope, with the view (or the refused attempt) written to the access log."""
    with access.deny_on_404(request, what="assessment", object_id=pk):
        assessment = selectors.assessment_for_user(user=request.user, pk=pk)
    access.record(request, what="assessment", object_id=assessment.pk, person_id=assessment.person_id)
    return assessment


@require_safe
@permission_required("assessments.view_assessment", raise_exception=True)
def assessment_detail(request, pk: int):
    assessment = _assessment_viewed(request, pk)
    return render(request, "assessments/assessment_detail.html", _editor_context(request, assessment))


def _section_response(request, assessment_pk: int, section: str, *, bound: dict | None = None, ok: bool):
    """After a section save: with htmx, the section and the checklist; without, a redirect or the full page."""
    assessment = selectors.assessment_for_user(user=request.user, pk=assessment_pk)
    if not _htmx(request):
        if ok:
            return redirect(f"{assessment.get_absolute_url()}#{section}")
        return render(request, "assessments/assessment_detail.html", _editor_context(request, assessment, bound), status=200)
    context = _editor_context(request, assessment, bound)
    context["oob"] = True
    html = render_to_string(f"assessments/_section_{section}.html", context, request=request)
    html += render_to_string("assessments/_checklist.html", context, request=request)
    html += render_to_string("core/_messages_oob.html", {}, request=request)
    if section == "evidence":  # the findings' evidence choices change with the evidence list
        html += render_to_string("assessments/_section_findings.html", context, request=request)
    return HttpResponse(html)


SECTION_FORMS = {
    "route": ("route", lambda request, a: RouteForm(request.POST, auto_id="id_route_%s")),
    "interviews": ("interview", lambda request, a: InterviewForm(request.POST, team=a.person.owning_team, auto_id="id_interview_%s")),
    "no_interview": ("no_interview", lambda request, a: NoInterviewForm(request.POST, auto_id="id_nointerview_%s")),
    "evidence": ("evidence", lambda request, a: EvidenceForm(request.POST, request.FILES, auto_id="id_evidence_%s")),
    "assurances": ("assurance", lambda request, a: AssuranceForm(request.POST, assessment=a, auto_id="id_assurance_%s")),
    "conclusion": ("conclusion", lambda request, a: ConclusionForm(request.POST, auto_id="id_conclusion_%s")),
    "declaration": ("declaration", lambda request, a: DeclarationForm(request.POST, auto_id="id_declaration_%s")),
}
SAVED = {
    "route": "Route saved.",
    "interviews": "Interview saved.",
    "no_interview": "Saved.",
    "evidence": "Evidence added.",
    "assurances": "Assurance saved.",
    "conclusion": "Conclusion saved.",
    "declaration": "Declaration saved.",
}


@require_POST
@permission_required("assessments.change_assessment", raise_exception=True)
def section_save(request, pk: int, section: str):
    if section not in SECTION_FORMS:
        raise Http404("Unknown section.")
    assessment = _assessment_viewed(request, pk)
    form_key, make_form = SECTION_FORMS[section]
    form = make_form(request, assessment)
    bound = {form_key: form}
    formset = None
    if section == "evidence":
        formset = ConsistencyFormSet(request.POST, prefix="ic")
        bound["consistency"] = formset
    anchor = "interviews" if section == "no_interview" else section
    if form.is_valid() and (formset is None or formset.is_valid()):
        try:
            _save_section(request, assessment, section, form, formset)
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, SAVED[section])
            return _section_response(request, pk, anchor, ok=True)
    return _section_response(request, pk, anchor, bound=bound, ok=False)


def _save_section(request, assessment, section, form, formset) -> None:
    actor, data = request.user, form.cleaned_data
    if section == "route":
        destination, transit = form.route()
        services.assessment_change_route(actor=actor, assessment=assessment, destination=destination, transit_countries=transit)
    elif section == "interviews":
        services.interview_save(actor=actor, assessment=assessment, data=data)
    elif section == "no_interview":
        services.assessment_update(actor=actor, assessment=assessment, data={"no_interview_reason": data["no_interview_reason"]})
    elif section == "evidence":
        consistencies = [
            {"finding": f.cleaned_data["finding"], "alleged_cause": f.cleaned_data["alleged_cause"], "degree": f.cleaned_data["degree"]}
            for f in formset.forms
            if f.cleaned_data.get("finding")
        ]
        fields = {k: v for k, v in data.items() if k != "upload"}
        services.evidence_add(actor=actor, assessment=assessment, data=fields, upload=data.get("upload"), consistencies=consistencies)
    elif section == "assurances":
        services.assurance_save(actor=actor, assessment=assessment, data=data)
    elif section == "conclusion":
        services.assessment_update(actor=actor, assessment=assessment, data=data)
    elif section == "declaration":
        services.assessment_declare_independence(
            actor=actor, assessment=assessment, not_involved=data["not_involved"], no_conflict=data["no_conflict"]
        )


@require_http_methods(["GET", "POST"])
@permission_required("assessments.view_assessment", raise_exception=True)
def finding_edit(request, pk: int, country: str, risk_code: str):
    """One cell of the findings matrix: the finding for one country of the route and one risk type.

    Each request (opening the page or panel, or saving) is one access-log row, "finding", under the id in the
    URL (the assessment's: a cell may hold no finding yet); a refused or unknown cell is logged as denied and
    answers 404.
    """
    with access.deny_on_404(request, what="finding", object_id=pk):
        assessment = selectors.assessment_for_user(user=request.user, pk=pk)
        country = country.upper()
        if country not in assessment.route:
            raise Http404("This country is not on the route.")
        risk_type = get_object_or_404(RiskType, code=risk_code)
    access.record(request, what="finding", object_id=assessment.pk, person_id=assessment.person_id)
    finding = next((f for f in assessment.findings.all() if str(f.country) == country and f.risk_type_id == risk_type.pk), None)
    editable = _can_edit(request.user, assessment)
    form = FindingForm(
        request.POST or None, instance=finding, assessment=assessment, risk_type=risk_type, country=country, user=request.user,
        auto_id="id_finding_%s",
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("indicators", "evidence")}
            try:
                services.finding_save(
                    actor=request.user, assessment=assessment, country=country, risk_type=risk_type, data=data,
                    indicators=form.cleaned_data["indicators"], evidence=_evidence_relied_on(form, finding),
                )
            except (ValidationError, DomainError) as exc:
                form_error_from_service(form, exc)
            else:
                messages.success(request, f"Finding saved: {risk_type.name}, {selectors.country_name(country)}.")
                if _htmx(request):
                    return _section_response(request, pk, "findings", ok=True)
                return redirect(f"{assessment.get_absolute_url()}#findings")
    context = {
        "assessment": assessment, "person": assessment.person, "form": form, "risk_type": risk_type, "country": country,
        "country_name": selectors.country_name(country), "finding": finding, "editable": editable,
        # Restricted items only for those who may see them: the one rule, Evidence.objects.visible_to.
        "finding_evidence": (
            list(Evidence.objects.visible_to(request.user).filter(findings=finding)) if finding and not editable else []
        ),
    }
    template = "assessments/_finding_panel.html" if _htmx(request) else "assessments/finding_form.html"
    return render(request, template, context)


def _evidence_relied_on(form, finding) -> list:
    """What was ticked, and whatever the finding already relies on that this user was not offered (restricted
    evidence they may not see): saving a finding never drops evidence its author could not see."""
    chosen = list(form.cleaned_data["evidence"])
    if finding is not None:
        chosen += list(finding.evidence.exclude(pk__in=form.fields["evidence"].queryset.values("pk")))
    return chosen


@require_POST
@permission_required("assessments.change_assessment", raise_exception=True)
def assessment_submit(request, pk: int):
    assessment = _assessment_viewed(request, pk)
    try:
        services.assessment_submit(actor=request.user, assessment=assessment)
    except services.AssessmentIncomplete as exc:
        messages.error(request, "Not submitted: the checklist still lists what is missing.")
        for missing in exc.missing:
            messages.error(request, missing.message)
    except (ValidationError, DomainError) as exc:
        service_error_message(request, exc)
    else:
        messages.success(request, f"Assessment {assessment.reference} submitted for review.")
    return redirect(assessment)


@require_http_methods(["GET", "POST"])
def assessment_reason_action(request, pk: int, action: str):
    """Withdraw (assessor or supervisor) or reopen (supervisor) an assessment, with a reason."""
    actions = {
        "withdraw": (services.assessment_withdraw, "Why is the assessment withdrawn?", "Assessment withdrawn.", "assessments.change_assessment"),
        "reopen": (services.assessment_reopen, "Why is the assessment reopened?", "Assessment reopened: it needs review again.", "assessments.review_assessment"),
    }
    if action not in actions:
        raise Http404("Unknown action.")
    service, label, success, perm = actions[action]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    assessment = _assessment_viewed(request, int(pk))  # a re_path passes the digits as text
    form = ReasonForm(request.POST or None, label=label)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, assessment=assessment, reason=form.cleaned_data["reason"])
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, success)
            return redirect(assessment)
    title = f"{action.capitalize()} assessment {assessment.reference}"
    return render(request, "assessments/simple_form.html", {"form": form, "person": assessment.person, "title": title, "submit": action.capitalize()})


# ---------------------------------------------------------------------------------------------------------
# Review


@require_safe
@permission_required("assessments.review_assessment", raise_exception=True)
def review_queue(request):
    teams = Team.objects.visible_to(request.user)
    team_id = request.GET.get("team")
    team_id = int(team_id) if team_id and team_id.isdigit() else None
    severity = request.GET.get("severity")
    severity = int(severity) if severity and severity.isdigit() else None
    kind = request.GET.get("kind", "")
    queue = selectors.review_queue(user=request.user, team_id=team_id, kind=kind, severity=severity)
    assessments = offset_page(queue["assessments"], request.GET.get("page"), per_page=PER_PAGE)
    flags = offset_page(queue["flags"], request.GET.get("flag_page"), per_page=PER_PAGE)
    selectors.with_days_left(assessments, clock.today())
    context = {
        "assessments": assessments, "flags": flags, "teams": teams, "team_id": team_id, "kind": kind, "severity": severity,
        "severities": choices.Severity.choices,
    }
    return render(request, "assessments/review_queue.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("assessments.review_assessment", raise_exception=True)
def assessment_review(request, pk: int):
    assessment = _assessment_viewed(request, pk)
    posted = request.POST if request.method == "POST" else None  # an empty POST is still a POST: bound, with its errors
    form = ReviewForm(posted) if services.review_refusal(request.user, assessment) is None else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            if form.cleaned_data["decision"] == choices.ReviewDecision.APPROVED:
                services.assessment_approve(actor=request.user, assessment=assessment, comments=form.cleaned_data["comments"])
                messages.success(request, f"Assessment {assessment.reference} approved.")
            else:
                services.assessment_return(actor=request.user, assessment=assessment, comments=form.cleaned_data["comments"])
                messages.success(request, f"Assessment {assessment.reference} returned to {assessment.assessor.get_full_name() or assessment.assessor.username} with your comments.")
        except services.AssessmentIncomplete as exc:
            form.add_error(None, "It cannot be approved: " + "; ".join(m.message for m in exc.missing))
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            return redirect("assessments:review_queue")
    context = _editor_context(request, assessment)
    context.update({"review_form": form, "review_page": True})
    return render(request, "assessments/assessment_review.html", context)


# ---------------------------------------------------------------------------------------------------------
# Flags


@require_http_methods(["GET", "POST"])
@permission_required("assessments.add_flag", raise_exception=True)
def flag_raise(request, person_pk: int):
    person = _person(request, person_pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_raise(actor=request.user, person=person, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, "Flag raised." + (" It blocks removal until a supervisor resolves it." if form.cleaned_data["blocks_removal"] else ""))
            return redirect(person)
    return render(request, "assessments/simple_form.html", {"form": form, "person": person, "title": "Raise a flag", "submit": "Raise the flag"})


@require_http_methods(["GET", "POST"])
@permission_required("assessments.resolve_flag", raise_exception=True)
def flag_resolve(request, pk: int):
    flag = access.get_or_deny(
        request, Flag.objects.visible_to(request.user).select_related("person", "raised_by", "resolved_by"), pk, what="flag"
    )
    form = FlagResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_resolve(actor=request.user, flag=flag, note=form.cleaned_data["note"])
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, "Flag resolved.")
            return redirect(flag.person)
    return render(request, "assessments/flag_resolve.html", {"form": form, "flag": flag, "person": flag.person})


# ---------------------------------------------------------------------------------------------------------
# Voluntary return consent


@require_http_methods(["GET", "POST"])
@permission_required("assessments.add_assessment", raise_exception=True)
def consent_record(request, person_pk: int):
    person = _person(request, person_pk)
    transit = [c for c in request.GET.get("transit", "").upper().split(",") if c]
    initial = RouteFormMixin.route_initial(request.GET.get("destination", "").upper(), transit) | {"given_on": clock.today()}
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        destination, transit = form.route()
        data = {k: v for k, v in form.cleaned_data.items() if k in services.CONSENT_FIELDS}
        try:
            services.consent_record(actor=request.user, person=person, destination=destination, transit_countries=transit, data=data)
        except (ValidationError, DomainError) as exc:
            form_error_from_service(form, exc)
        else:
            messages.success(request, "Consent to voluntary return recorded.")
            return redirect(person)
    return render(request, "assessments/simple_form.html", {"form": form, "person": person, "title": "Record informed consent to voluntary return", "submit": "Record consent"})


@require_http_methods(["GET", "POST"])
@permission_required("assessments.view_assessment", raise_exception=True)
def consent_action(request, pk: int, action: str):
    """Confirm (supervisor) or withdraw a consent to return: POST. A GET of "confirm" shows the consent and
    the button. Each is one access-log row ("consent"; a refused attempt is logged as denied and is a 404)."""
    actions = {"confirm": (services.consent_confirm, "Consent confirmed."), "withdraw": (services.consent_withdraw, "Consent withdrawn.")}
    if action not in actions:
        raise Http404("Unknown action.")
    if request.method != "POST" and action != "confirm":  # withdrawing has no page
        return HttpResponseNotAllowed(["POST"])
    consents = VoluntaryReturnConsent.objects.visible_to(request.user).select_related("person", "recorded_by", "supervisor_confirmed_by")
    consent = access.get_or_deny(request, consents, int(pk), what="consent")  # a re_path passes the digits as text
    if request.method == "GET":
        route = route_label(str(consent.destination), list(consent.transit_countries))
        return render(request, "assessments/consent_confirm.html", {"consent": consent, "person": consent.person, "route": route})
    service, success = actions[action]
    try:
        service(actor=request.user, consent=consent)
    except (ValidationError, DomainError) as exc:
        service_error_message(request, exc)
        if action == "confirm":
            return redirect("assessments:consent_action", pk=consent.pk, action="confirm")
    else:
        messages.success(request, success)
    return redirect(consent.person)


# ---------------------------------------------------------------------------------------------------------
# The removal decision page


NO_SUCH_PROPOSAL = "There is no such removal proposal for this person: choose one of the proposals listed, or ask about a route."


def _record_id(raw: str) -> int | None:
    """An id typed into a query string or a form: a positive integer a row can have, else None."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value < 2**63 else None


def _start_assessment_url(request, person: Person, proposal, answer, destination: str, transit: list[str]) -> str:
    """Where to start an assessment of exactly this route, when the gate says none covers it."""
    if not request.user.has_perm("assessments.add_assessment"):
        return ""
    if not any(reason.code == "no_assessment" for reason in answer.reasons):
        return ""
    query = {"destination": destination, "transit": ",".join(transit)}
    if proposal is not None:
        query = {"proposal": proposal.pk, **query}
    return reverse("assessments:assessment_start", args=[person.pk]) + "?" + urlencode(query, safe=",")


@require_http_methods(["GET", "POST"])
@permission_required("assessments.view_removaldecision", raise_exception=True)
def decision(request, person_pk: int):
    """The gate's answer in plain words for a person and route, then the form to record the decision."""
    person = _person(request, person_pk, what="decision_page")
    proposals = selectors.open_proposals(person)
    context = {"person": person, "proposals": proposals}
    source = request.POST if request.method == "POST" else request.GET
    proposal = None
    if source.get("proposal"):
        proposal_id = _record_id(source["proposal"])
        proposal = person.removal_proposals.filter(pk=proposal_id).first() if proposal_id else None
        if proposal is None:  # not this person's (or not a proposal at all): nothing to ask the gate about
            context.update({"route_form": RouteChoiceForm(), "route_errors": [NO_SUCH_PROPOSAL]})
            return render(request, "assessments/decision.html", context, status=404)
    elif "destination" not in source and proposals:
        proposal = proposals[0]
    route_form = None
    if proposal is not None:  # the page asks about the chosen proposal's own route
        measure, destination, transit = proposal.measure, str(proposal.destination), list(proposal.transit_countries)
    else:
        asked = request.method == "POST" or "destination" in source
        route_form = RouteChoiceForm(source if asked else None)
        if not route_form.is_bound or not route_form.is_valid():
            return render(request, "assessments/decision.html", {**context, "route_form": route_form})
        measure = route_form.cleaned_data["measure"]
        destination, transit = route_form.route()
    today = clock.today()
    try:
        answer = services.removal_decision_check(
            actor=request.user, person=person, measure=measure, destination=destination, transit_countries=transit, today=today
        )
    except (ValidationError, DomainError) as exc:  # a route the services refuse (a repeated country, say)
        route_errors = exc.messages if isinstance(exc, ValidationError) else [exc.message]
        context.update({"route_form": route_form or RouteChoiceForm(), "route_errors": route_errors})
        return render(request, "assessments/decision.html", context)
    can_decide = request.user.has_perm("assessments.record_decision")
    form = DecisionForm(request.POST if request.method == "POST" else None, allowed=answer.allowed, today=today, initial={"decided_on": today})
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.removal_decision_record(
                    actor=request.user, person=person, measure=measure, destination=destination, transit_countries=transit,
                    outcome=form.cleaned_data["outcome"], reasons=form.cleaned_data["reasons"], decided_on=form.cleaned_data["decided_on"],
                    proposal=proposal, today=today,
                )
            except services.RemovalBlocked as exc:
                form.add_error(None, "Removal cannot be authorised: " + " ".join(r.message for r in exc.reasons))
            except (ValidationError, DomainError) as exc:
                form_error_from_service(form, exc)
            else:
                messages.success(request, f"Decision recorded: {dict(choices.DecisionOutcome.choices)[form.cleaned_data['outcome']]}.")
                return redirect(person)
    context.update({
        "proposal": proposal, "route_form": route_form or RouteChoiceForm(), "answer": answer,
        "form": form if can_decide else None, "measure_label": dict(choices.Measure.choices)[measure],
        "route": route_label(destination, transit), "destination": destination, "transit": transit, "measure": measure,
        "start_assessment_url": _start_assessment_url(request, person, proposal, answer, destination, transit),
    })
    return render(request, "assessments/decision.html", context)


# ---------------------------------------------------------------------------------------------------------
# My work and the dashboard


@require_safe
@permission_required("assessments.view_assessment", raise_exception=True)
def my_work(request):
    context = selectors.my_work(user=request.user, today=clock.today())
    context["person_list_url"] = reverse("people:person_list") + f"?caseworker={request.user.pk}"
    return render(request, "assessments/my_work.html", context)


@require_safe
@permission_required("assessments.review_assessment", raise_exception=True)
def dashboard(request):
    from assessments.charts import bar_chart

    from assessments import caseload_counts

    teams = selectors.dashboard_teams(request.user)
    caseload_counts.refresh_stale(teams)
    data = selectors.dashboard(team_ids=teams)
    charts = [
        ("caseload", "Caseload by assessment status", data["status_rows"], "Status", "bar-neutral"),
        ("due", "Removals planned without an approved assessment", data["due_rows"], "Planned", "bar-warn"),
        ("flags", "Open flags by kind", data["flag_rows"], "Kind", "bar-warn"),
        ("risk-type", "Findings of real risk by risk type", data["risk_by_type"], "Risk type", "bar-risk"),
        ("risk-country", "Findings of real risk by country", data["risk_by_country"], "Country", "bar-risk"),
        ("decisions", "Decisions by outcome", data["decision_rows"], "Outcome", "bar-neutral"),
    ]
    rendered = [
        {"id": cid, "title": title, "rows": rows, "label": label, "drawing": bar_chart(rows, title=title, css_class=css)}
        for cid, title, rows, label, css in charts
    ]
    return render(request, "assessments/dashboard.html", {"charts": rendered, "as_of": data["as_of"]})
