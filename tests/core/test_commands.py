"""The commands behind `make run`: migrate and seed_demo, which is idempotent and prints the logins."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from people.models import Camp, FamilyLink, Organisation, Person, Team


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_three_logins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = {m: m.objects.count() for m in (Person, Camp, Team, Organisation, FamilyLink)}
    text = out.getvalue()
    for username in ("caseworker", "supervisor", "admin"):
        assert f"username: {username} " in text
    assert "residents: 340/340" in text
    assert first[Person] == 340 and first[Camp] == 2 and first[Team] == 2
    assert first[FamilyLink] > 20

    call_command("seed_demo", stdout=io.StringIO())
    assert {m: m.objects.count() for m in first} == first


@pytest.mark.django_db
def test_demo_data_is_obviously_fictional_and_shows_the_camp_over_capacity():
    call_command("seed_demo", stdout=io.StringIO())
    assert all("fictional" in c.name.lower() for c in Camp.objects.all())
    assert not Person.objects.exclude(contact_notes="Fictional demo record.").exists()
    camp = Camp.objects.with_population().get(name__startswith="Camp Golestan")
    assert camp.region == "Diyala" and camp.country.code == "IQ"
    assert camp.population > camp.capacity
    organisation = Organisation.objects.get()
    assert organisation.aliases.count() == 3


@pytest.mark.django_db
def test_demo_logins_work_with_their_roles():
    call_command("seed_demo", stdout=io.StringIO())
    User = get_user_model()
    for username, password, role in [
        ("caseworker", "amber-river-lantern", "Caseworker"),
        ("supervisor", "quiet-cedar-compass", "Supervisor"),
        ("admin", "granite-harbor-meadow", "Administrator"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.groups.filter(name=role).exists()
    caseworker = User.objects.get(username="caseworker")
    caseworker2 = User.objects.get(username="caseworker2")
    assert Person.objects.visible_to(caseworker).count() == 300
    assert Person.objects.visible_to(caseworker2).count() == 40


@pytest.mark.django_db
def test_migrations_are_complete():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_roles_exist_with_their_permissions():
    from django.contrib.auth.models import Group

    caseworker = set(Group.objects.get(name="Caseworker").permissions.values_list("codename", flat=True))
    supervisor = set(Group.objects.get(name="Supervisor").permissions.values_list("codename", flat=True))
    assert {"add_person", "view_person", "change_person"} <= caseworker
    assert "view_history" in supervisor and "view_history" not in caseworker
    assert caseworker < supervisor
