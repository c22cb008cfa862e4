import datetime
from functools import lru_cache

from django import template
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language

from core.html import format_html
from core.links import record_url as _record_url
from core.sqljson import StatementCache
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def user_display(user, empty: str = "Unassigned") -> str:
    """A user's full name, else their username, else `empty` (for a missing user)."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


@lru_cache(maxsize=4096)
def _day(value: datetime.date, short: bool, language: str | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")


@register.filter(expects_localtime=True)
def day(value, length: str = "") -> str:
    """A date (or a moment's local date) as the app writes dates: "8 November 2026", or with "short" "8 Nov
    2026". Each distinct day is formatted once: lists show hundreds of dates, and Django's date formatting
    parses the format string anew each time."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _day(value, length == "short", get_language())


@register.filter
def record_url(pk, name: str) -> str:
    """`{% url name pk %}` for rows of a list: `{{ f.pk|record_url:"assessments:flag_resolve" }}`."""
    return _record_url(name, pk)


# Badges used in long lists: rendered in Python (an {% include %} per row was a large share of the
# caseworker's and supervisor's list pages). The markup is what the former partial templates produced.

_STATUS_BADGE = {"approved": "text-bg-success", "submitted": "text-bg-primary", "returned": "text-bg-warning",
                 "draft": "text-bg-secondary"}
_OUTCOME_BADGE = {"real_risk": ("text-bg-danger", "Real risk"), "no_real_risk": ("text-bg-success", "No real risk"),
                  "insufficient_information": ("text-bg-warning", "Insufficient information")}


@register.filter
def days_left_badge(days):
    """How many days remain before a planned removal, red within a week, amber within two."""
    if days is None:
        return ""
    if days < 0:
        return format_html('<span class="badge text-bg-danger">overdue by {} day{}</span>', -days, pluralize(-days))
    if days == 0:
        return mark_safe('<span class="badge text-bg-danger">today</span>')
    css = "text-bg-danger" if days <= 7 else "text-bg-warning" if days <= 14 else "text-bg-light border"
    return format_html('<span class="badge {}">{} day{} left</span>', css, days, pluralize(days))


@register.filter
def status_badge(assessment):
    css = _STATUS_BADGE.get(assessment.status, "text-bg-light border")
    return format_html('<span class="badge {}">{}</span>', css, assessment.get_status_display())


@register.filter
def severity_badge(flag):
    css = "text-bg-danger" if flag.severity >= 4 else "text-bg-warning" if flag.severity == 3 else "text-bg-light border"
    html = format_html('<span class="badge {}">{}</span>', css, flag.get_severity_display())
    if flag.blocks_removal:
        html += mark_safe(' <span class="badge text-bg-dark">blocks removal</span>')
    return html


@register.filter
def outcome_badge(outcome):
    css, label = _OUTCOME_BADGE.get(outcome, ("text-bg-light border", "Not assessed"))
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.simple_tag
def finding_cells(assessment, row, editable):
    """The cells of one risk type's row of the findings matrix (`assessments/_section_findings.html`): a link
    per route country, opening the finding's panel; written here for the same reason as the list rows."""
    risk_type, action = row.risk_type, "Edit" if editable else "View"
    cells = []
    for cell in row.cells:
        url = reverse("assessments:finding_edit", args=[assessment.pk, cell.country, risk_type.code])
        state = cell.finding.get_outcome_display() if cell.finding else "not assessed"
        cells.append(format_html(
            '<td><a href="{}" hx-get="{}" hx-target="#finding-panel" hx-swap="innerHTML" aria-label="{} in {}: {}. {}">{}</a></td>',
            url, url, risk_type.name, cell.country, state, action, outcome_badge(cell.outcome),
        ))
    return mark_safe("".join(cells))


_blank_forms = StatementCache(size=64)  # least recently used out (a form with today's date as initial value)


@register.simple_tag(takes_context=True)
def crispy_blank(context, form):
    """`{% crispy form %}`, kept once rendered for an unbound form whose class says what else its rendering
    depends on (`blank_key()`: choices that vary, say) besides its class, prefix, initial values and the
    language: the crispy templates cost pages like the review and decision pages more than the rest of their
    form handling. A bound form (errors, typed values) is rendered anew each time."""
    from crispy_forms.utils import render_crispy_form

    blank_key = getattr(form, "blank_key", None)
    if form.is_bound or blank_key is None:
        return render_crispy_form(form, context=context)
    initial = tuple(sorted((name, str(value)) for name, value in form.initial.items()))
    key = (type(form), form.prefix, form.auto_id, get_language(), initial, blank_key())
    return _blank_forms.get(key, lambda: render_crispy_form(form, context=context))


# Rows of the person list (and search results, camp residents): written in Python, as the badges are. In
# templates each row looked up a dozen variables and ran three inner loops, most of the list page's time.
_NOT_RECORDED = mark_safe('<span class="text-body-secondary">Not recorded</span>')
_NO_STATUS = mark_safe('<span class="text-body-secondary">None recorded</span>')
_EXACT = mark_safe('<td><span class="badge text-bg-success">exact number</span></td>')


@register.filter
def person_row(person, show_match=False):
    """The cells of one person's row in `people/_person_rows.html` (a list-ready person: `with_list_data`)."""
    match = ""
    if show_match:
        match = _EXACT if person.match_exact else format_html("<td>{}%</td>", person.match_percent)
    residences = [r.where for r in person.open_residences]
    statuses = [s.get_kind_display() for s in person.current_statuses]
    return format_html(
        '{}<td>{}</td><td><a href="{}">{}</a></td><td dir="auto" lang="{}">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>',
        match, person.reference, person.get_absolute_url(), person.full_name_latin, person.original_script or "und",
        person.full_name_original, person.birth_date_display, person.nationality_display,
        mark_safe("".join(conditional_escape(r) for r in residences)) if residences else _NOT_RECORDED,
        mark_safe("; ".join(conditional_escape(s) for s in statuses)) if statuses else _NO_STATUS,
        user_display(person.assigned_caseworker),
    )


def _local_day(value, short: bool = False) -> str:
    """`|day` from Python: a moment is shown as its local date."""
    from django.utils import timezone

    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return day(value, "short" if short else "")


# Rows of the review queue, in Python for the same reason as the person rows (up to 50 of each kind).
@register.filter
def review_row(a):
    """The cells of a submitted assessment's row in `assessments/review_queue.html`."""
    planned = _planned(a.proposal_planned_date, a.days_left, "—")
    return format_html(
        '<td><a href="{}">Review {}</a></td><td>{} <span class="small text-body-secondary">{} · {}</span></td>'
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        _record_url("assessments:assessment_review", a.pk), a.reference, a.person.full_name_latin, a.person.reference,
        a.person.owning_team, a.route_display, planned, user_display(a.assessor), _local_day(a.submitted_at, short=True),
    )


@register.filter
def flag_row(f):
    """The cells of an open flag's row in `assessments/review_queue.html`."""
    return format_html(
        '<td>{}</td><td><a href="{}">{}</a> <span class="small text-body-secondary">{}</span></td><td>{}</td><td>{}</td>'
        '<td><a href="{}">Resolve<span class="visually-hidden"> flag on {}</span></a></td>',
        severity_badge(f), f.person.get_absolute_url(), f.person.full_name_latin, f.person.reference, f.reason,
        _local_day(f.raised_at, short=True), _record_url("assessments:flag_resolve", f.pk), f.person.full_name_latin,
    )


def _planned(day_value, days_left, otherwise: str):
    """A planned removal's date and how many days are left, or `otherwise` without a date."""
    return format_html("{} {}", _local_day(day_value), days_left_badge(days_left)) if days_left is not None else otherwise


# Rows of My work (up to 25 per section), in Python as above.
@register.filter
def assigned_row(p):
    return format_html(
        '<td><a href="{}">{}</a> <span class="small text-body-secondary">{}</span></td><td>{}</td><td>{}</td>',
        p.get_absolute_url(), p.full_name_latin, p.reference, _planned(p.next_removal, p.days_left, "None planned"), p.open_flags,
    )


@register.filter
def work_row(a):
    return format_html(
        '<td><a href="{}">{}</a></td><td>{} <span class="small text-body-secondary">{}</span></td><td>{}</td><td>{}</td><td>{}</td>',
        a.get_absolute_url(), a.reference, a.person.full_name_latin, a.person.reference, a.route_display, status_badge(a),
        _planned(a.proposal_planned_date, a.days_left, "No date"),
    )


@register.filter
def returned_item(a):
    """An assessment returned to its assessor, with the reviewer's latest comments (from the prefetched reviews)."""
    planned = (
        format_html("· removal planned {} {}", _local_day(a.proposal_planned_date), days_left_badge(a.days_left))
        if a.days_left is not None else ""
    )
    review = a.latest_return  # the latest review that returned it (set by the My work selector)
    comments = (
        format_html('<p class="small mb-0 mt-1"><strong>{}:</strong> {}</p>', user_display(review.reviewer), review.comments)
        if review else ""
    )
    return format_html(
        '<div class="border rounded p-2 mb-2"><a href="{}">{}: {}</a> — {} {}{}</div>',
        a.get_absolute_url(), a.reference, a.person.full_name_latin, a.route_display, planned, comments,
    )


_RESOLVE = '<a class="small" href="{}">Resolve<span class="visually-hidden"> this flag</span></a>'


@register.filter
def my_flag_item(f, can_resolve=False):
    """An open flag on My work: severity, person, reason, and the link to resolve it for those who may."""
    resolve = format_html(_RESOLVE, _record_url("assessments:flag_resolve", f.pk)) if can_resolve else ""
    return format_html(
        '<li class="mb-1">{} <a href="{}">{}</a>: {} {}</li>',
        severity_badge(f), f.person.get_absolute_url(), f.person.full_name_latin, f.reason, resolve,
    )


@register.filter
def proposal_row(p):
    return format_html(
        '<td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
        '<td><a href="{}?proposal={}">Start the assessment<span class="visually-hidden"> for {}</span></a></td>',
        p.person.get_absolute_url(), p.person.full_name_latin, p, _planned(p.planned_date, p.days_left, "No date"),
        _record_url("assessments:assessment_start", p.person.pk), p.pk, p.person.full_name_latin,
    )
