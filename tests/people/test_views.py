"""Pages: good input is saved with a message; bad input keeps what was typed, says what to fix, writes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from people.models import Camp, LegalStatus, Person, Residence
from tests.factories import CampFactory, PersonFactory, ResidenceFactory

D = datetime.date


def _person_post(team, **overrides):
    data = {
        "full_name_latin": "Fictional Maryam Karimi",
        "full_name_original": "مریم کریمی",
        "original_script": "fa",
        "other_names": "Mariam Karimi\nMaryam Kareemi",
        "sex": "F",
        "birth_date_text": "1979",
        "nationality": "IR",
        "languages": ["fa", "ar"],
        "interpreter_needed": "on",
        "owning_team": str(team.pk),
        "assigned_caseworker": "",
        "external_id": "",
        "contact_notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_caseworker_registers_a_person_with_an_approximate_birth_date(client, caseworker, team):
    client.force_login(caseworker)
    response = client.post(reverse("people:person_create"), _person_post(team), follow=True)
    person = Person.objects.get(full_name_latin="Fictional Maryam Karimi")
    assert person.birth_date == D(1979, 1, 1) and person.birth_date_precision == "year"
    assert person.birth_date_display == "1979 (year only)"
    assert set(person.other_names.values_list("name", flat=True)) == {"Mariam Karimi", "Maryam Kareemi"}
    assert person.created_by == caseworker
    assert f"Registered Fictional Maryam Karimi as {person.reference}." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"full_name_latin": ""}, "This field is required."),
        ({"birth_date_text": "21/03/1979"}, "Enter the date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"birth_date_text": "1979-02-30"}, "Enter the date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"birth_date_text": "2999"}, "A date of birth cannot be in the future."),
        ({"stateless": "on"}, "A stateless person cannot also have a nationality"),
        ({"owning_team": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_person_input_keeps_the_typing_and_writes_nothing(client, caseworker, team, overrides, message):
    client.force_login(caseworker)
    before = Person.objects.count()
    response = client.post(reverse("people:person_create"), _person_post(team, **overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in body
    assert message in body
    assert "مریم کریمی" in body  # what was typed is still there
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_caseworker_cannot_register_for_a_team_outside_their_scope(client, caseworker, team, other_team):
    client.force_login(caseworker)
    response = client.post(reverse("people:person_create"), _person_post(team, owning_team=str(other_team.pk)))
    assert "Select a valid choice." in response.content.decode()
    assert not Person.objects.filter(owning_team=other_team).exists()


@pytest.mark.django_db
def test_edit_keeps_year_only_birth_date(client, caseworker, person):
    client.force_login(caseworker)
    page = client.get(reverse("people:person_update", args=[person.pk])).content.decode()
    assert 'value="1980"' in page
    data = _person_post(person.owning_team, full_name_latin="Fictional Renamed", birth_date_text="1980-06")
    data.pop("other_names")
    response = client.post(reverse("people:person_update", args=[person.pk]), data, follow=True)
    person.refresh_from_db()
    assert person.full_name_latin == "Fictional Renamed"
    assert person.birth_date == D(1980, 6, 1) and person.birth_date_precision == "month"
    assert "Saved." in response.content.decode()


@pytest.mark.django_db
def test_a_second_open_residence_is_refused_with_the_constraint_message(client, caseworker, person):
    camp = CampFactory()
    ResidenceFactory(person=person, camp=camp, started_on=D(2015, 1, 1))
    client.force_login(caseworker)
    # A stay that starts earlier than the current one cannot close it: the database rule explains.
    response = client.post(
        reverse("people:person_record_add", args=[person.pk, "residence"]),
        {"camp": str(camp.pk), "place": "", "country": "", "started_on": "2012-01-01", "ended_on": "", "notes": ""},
    )
    body = response.content.decode()
    assert "already has a current residence" in body or "overlaps another residence" in body
    assert Residence.objects.filter(person=person).count() == 1


@pytest.mark.django_db
def test_moving_a_person_closes_the_current_residence(client, caseworker, person):
    old_camp, new_camp = CampFactory(name="Old Fictional Camp"), CampFactory(name="New Fictional Camp")
    ResidenceFactory(person=person, camp=old_camp, started_on=D(2010, 1, 1))
    client.force_login(caseworker)
    client.post(
        reverse("people:person_record_add", args=[person.pk, "residence"]),
        {"camp": str(new_camp.pk), "place": "", "country": "", "started_on": "2020-03-01", "ended_on": "", "notes": ""},
    )
    stays = list(Residence.objects.filter(person=person).order_by("started_on").values_list("camp__name", "ended_on"))
    assert stays == [("Old Fictional Camp", D(2020, 3, 1)), ("New Fictional Camp", None)]


@pytest.mark.django_db
def test_legal_status_with_end_before_start_is_refused(client, caseworker, person):
    client.force_login(caseworker)
    response = client.post(
        reverse("people:person_record_add", args=[person.pk, "status"]),
        {"kind": "refugee", "legal_basis": "", "source": "", "started_on": "2020-01-01", "ended_on": "2019-01-01", "notes": ""},
    )
    assert "end date cannot be before its start date" in response.content.decode()
    assert not LegalStatus.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_family_link_to_self_and_to_unknown_reference_are_refused(client, caseworker, person):
    client.force_login(caseworker)
    url = reverse("people:person_record_add", args=[person.pk, "family"])
    body = client.post(url, {"relative_reference": person.reference, "relationship": "sibling"}).content.decode()
    assert "A person cannot be their own relative." in body
    body = client.post(url, {"relative_reference": "P-999999", "relationship": "sibling"}).content.decode()
    assert "No person with that reference in your caseload." in body
    assert not person.family_links.exists()


@pytest.mark.django_db
def test_family_link_is_read_from_both_sides(client, caseworker, person):
    child = PersonFactory(owning_team=person.owning_team, full_name_latin="Fictional Child")
    client.force_login(caseworker)
    client.post(
        reverse("people:person_record_add", args=[person.pk, "family"]),
        {"relative_reference": child.reference, "relationship": "child", "same_household": "on"},
    )
    assert "Child:" in client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert "Parent:" in client.get(reverse("people:person_detail", args=[child.pk])).content.decode()


@pytest.mark.django_db
def test_camp_over_capacity_shows_a_warning(client, caseworker, team):
    camp = CampFactory(capacity=2)
    for _ in range(3):
        ResidenceFactory(person=PersonFactory(owning_team=team), camp=camp)
    client.force_login(caseworker)
    body = client.get(reverse("people:camp_detail", args=[camp.pk])).content.decode()
    assert "Over capacity:" in body and "3 residents for a capacity of 2 (150%)" in body
    assert "over capacity" in client.get(reverse("people:camp_list")).content.decode()


@pytest.mark.django_db
def test_camp_form_rejects_zero_capacity(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("people:camp_create"), {"name": "Fictional", "country": "IQ", "capacity": "0"})
    assert "Capacity must be at least 1." in response.content.decode() or "greater than or equal to" in response.content.decode()
    assert not Camp.objects.filter(name="Fictional").exists()


@pytest.mark.django_db
def test_caseworker_cannot_create_camp_without_permission(client, caseworker):
    from django.contrib.auth.models import Group

    Group.objects.get(name="Caseworker").permissions.filter(codename="add_camp").delete()
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)  # drop the permission cache
    client.force_login(caseworker)
    assert client.get(reverse("people:camp_create")).status_code == 403


@pytest.mark.django_db
def test_search_finds_a_person_by_either_script_by_alias_and_by_number(client, caseworker, team):
    from people import services

    person = services.person_create(
        actor=caseworker,
        data={"full_name_latin": "Fictional Mohammad Rezaei", "full_name_original": "محمد رضایی", "owning_team": team},
        other_names=["Muhammad Rezai"],
    )
    services.registration_add(actor=caseworker, person=person, issuer="unhcr", number="FIC-123-456")
    client.force_login(caseworker)
    for query in ["mohammad", "محمد", "مُحَمَّد", "رضائی", "Muhammad", "FIC-123-456", "fic123456", person.reference]:
        body = client.get(reverse("people:person_list"), {"q": query}).content.decode()
        assert "Fictional Mohammad Rezaei" in body, query
    body = client.get(reverse("people:person_list"), {"q": "Nobody Like This"}).content.decode()
    assert "Fictional Mohammad Rezaei" not in body


@pytest.mark.django_db
def test_list_filters_by_camp_status_and_caseworker(client, caseworker, team):
    from tests.factories import LegalStatusFactory

    camp = CampFactory(name="Filter Fictional Camp")
    in_camp = PersonFactory(owning_team=team, full_name_latin="Fictional In Camp")
    ResidenceFactory(person=in_camp, camp=camp)
    LegalStatusFactory(person=in_camp, kind="refugee")
    elsewhere = PersonFactory(owning_team=team, full_name_latin="Fictional Elsewhere", assigned_caseworker=caseworker)
    client.force_login(caseworker)
    url = reverse("people:person_list")
    body = client.get(url, {"camp": camp.pk}).content.decode()
    assert "Fictional In Camp" in body and "Fictional Elsewhere" not in body
    body = client.get(url, {"status": "refugee"}).content.decode()
    assert "Fictional In Camp" in body and "Fictional Elsewhere" not in body
    body = client.get(url, {"caseworker": caseworker.pk}).content.decode()
    assert "Fictional In Camp" not in body and elsewhere.full_name_latin in body


@pytest.mark.django_db
def test_list_paginates_with_next_and_previous(client, caseworker, team):
    PersonFactory.create_batch(120, owning_team=team)
    client.force_login(caseworker)
    first = client.get(reverse("people:person_list"))
    page = first.context["page"]
    assert len(page) == 50 and page.has_next and not page.has_previous
    second = client.get(reverse("people:person_list"), {"after": page.next_cursor}).context["page"]
    assert second.object_list[0].full_name_latin > page.object_list[-1].full_name_latin
    back = client.get(reverse("people:person_list"), {"before": second.previous_cursor}).context["page"]
    assert [p.pk for p in back] == [p.pk for p in page]


@pytest.mark.django_db
def test_login_page_and_redirect_for_anonymous(client):
    response = client.get(reverse("people:person_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert "Log in" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, greeting",
    [("caseworker", "As a caseworker"), ("supervisor", "As a supervisor"), ("administrator", "As an administrator"), ("no_role_user", "no role yet")],
)
def test_home_greets_each_role(client, request, role, greeting):
    client.force_login(request.getfixturevalue(role))
    assert greeting in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_list_row_shows_each_column_and_escapes_what_was_typed(client, caseworker, team):
    from tests.factories import LegalStatusFactory

    camp = CampFactory(name="Camp <b>Fictional</b> & Co")
    person = PersonFactory(
        owning_team=team, assigned_caseworker=caseworker, full_name_latin="Fictional <script>x()</script> Rezaei",
        full_name_original="رضایی <i>", original_script="fa", nationality="IR", stateless=False,
        birth_date=D(1980, 1, 1), birth_date_precision="year",
    )
    ResidenceFactory(person=person, camp=camp)
    LegalStatusFactory(person=person, kind="refugee")
    LegalStatusFactory(person=person, kind="asylum_seeker")
    plain = PersonFactory(owning_team=team, full_name_latin="Fictional Zz Plain")
    client.force_login(caseworker)
    body = client.get(reverse("people:person_list")).content.decode()
    assert "<script>x()</script>" not in body and "Fictional &lt;script&gt;x()&lt;/script&gt; Rezaei" in body
    assert f'<a href="{reverse("people:person_detail", args=[person.pk])}">' in body
    assert '<td dir="auto" lang="fa">رضایی &lt;i&gt;</td>' in body
    assert "<td>1980 (year only)</td><td>Iran</td><td>Camp &lt;b&gt;Fictional&lt;/b&gt; &amp; Co</td>" in body
    assert ("Recognised refugee; Asylum seeker (claim pending)" in body
            or "Asylum seeker (claim pending); Recognised refugee" in body)
    assert f"<td>{caseworker.get_full_name() or caseworker.username}</td>" in body
    plain_row = body.split(plain.reference, 1)[1].split("</tr>", 1)[0]
    assert "Not recorded" in plain_row and "None recorded" in plain_row and "<td>Unassigned</td>" in plain_row


@pytest.mark.django_db
def test_filter_menus_are_scoped_and_show_a_new_camp_after_it_is_saved(
    client, caseworker, other_caseworker, administrator, django_capture_on_commit_callbacks
):
    from people import services

    def menu(user, name):
        client.force_login(user)
        body = client.get(reverse("people:person_list")).content.decode()
        return body.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]

    mine, theirs = (f'value="{u.pk}">{u.get_full_name()}</option>' for u in (caseworker, other_caseworker))
    # The administrator's menus are drawn (and kept) first; a caseworker's are their own scope's.
    assert mine in menu(administrator, "caseworker") and theirs in menu(administrator, "caseworker")
    assert mine in menu(caseworker, "caseworker") and theirs not in menu(caseworker, "caseworker")
    assert "Field Team B" not in menu(caseworker, "team")
    assert "Fictional New Camp" not in menu(caseworker, "camp")
    with django_capture_on_commit_callbacks(execute=True):
        services.camp_create(actor=administrator, data={"name": "Fictional New Camp", "country": "IQ", "capacity": 10})
    assert "Fictional New Camp" in menu(caseworker, "camp")
    # A choice outside the scope is refused by the filter, whatever a menu showed.
    client.force_login(caseworker)
    response = client.get(reverse("people:person_list"), {"caseworker": other_caseworker.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
