"""The admin loads every registered model's list, add form and change form for an administrator."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import CampFactory, OrganisationFactory, ResidenceFactory


@pytest.mark.django_db
def test_every_admin_page_loads(client, administrator, person):
    ResidenceFactory(person=person, camp=CampFactory())
    OrganisationFactory()
    client.force_login(administrator)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(type("R", (), {"user": administrator})()):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(add).status_code == 200, add
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
        checked += 1
    assert checked >= 14


@pytest.mark.django_db
def test_admin_search_and_autocomplete_for_person(client, administrator, person):
    client.force_login(administrator)
    response = client.get(reverse("admin:people_person_changelist"), {"q": "Hosseini"})
    assert person.full_name_latin in response.content.decode()
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "people", "model_name": "residence", "field_name": "person", "term": "Reza"},
    )
    assert autocomplete.status_code == 200 and person.full_name_latin in autocomplete.content.decode()


@pytest.mark.django_db
def test_admin_is_closed_to_caseworkers(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("admin:index")).status_code == 302
