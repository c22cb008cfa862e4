"""Domain errors mean what Django's errors of the same name mean."""

import django.core.exceptions
import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path

from core.errors import DomainError, PermissionDenied
from core.services import require_perm


@login_not_required
def _refusing_view(request):
    require_perm(None, "people.add_person")  # a service's refusal, not caught by the view
    return HttpResponse("not reached")


# The real URLs too: the 403 page links to them.
urlpatterns = [path("refuses/", _refusing_view), path("", include("config.urls"))]


def test_permission_denied_is_djangos_and_a_domain_error():
    err = PermissionDenied("No.")
    assert isinstance(err, django.core.exceptions.PermissionDenied)
    assert isinstance(err, DomainError)
    assert err.code == "permission_denied"
    assert str(err) == "No."


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_errors")
def test_a_services_permission_denied_escaping_a_view_answers_403(client):
    response = client.get("/refuses/")
    assert response.status_code == 403
