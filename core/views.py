from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core import roles
from core.errors import DomainError


def form_error_from_service(form, exc: Exception) -> None:
    """Put what a service refused onto the form, next to the field it concerns when it names one."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    elif isinstance(exc, DomainError):
        form.add_error(None, exc.message)
    else:  # pragma: no cover - only the two kinds above are raised by services
        raise exc


def service_error_message(request, exc: Exception) -> None:
    """Show what a service refused as a message, when there is no form to attach it to."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc))


@require_safe
def home(request):
    """Greet each role with what it can do, and a few numbers of its caseload."""
    from people.models import Person

    user = request.user
    visible = Person.objects.visible_to(user)
    counts = visible.aggregate(
        total=Count("id"),
        mine=Count("id", filter=Q(assigned_caseworker=user)),
    )
    context = {"role": roles.primary_role(user), "counts": counts}
    return render(request, "core/home.html", context)
