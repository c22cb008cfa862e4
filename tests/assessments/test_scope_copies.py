"""Proposals, assessments and flags carry copies of their person's team and caseworker (and assessments the
proposal's planned date), kept by database triggers; My work and the review queue rank through them. The
copies must follow every change, whoever writes, and the pages must follow the copies."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Flag, RemovalProposal
from audit.models import AssessmentEvent, FlagEvent, RemovalProposalEvent
from people.models import Person
from tests.assessments import builders

D = datetime.date


def copies(person):
    rows = [
        *RemovalProposal.objects.filter(person=person).values_list("scope_team_id", "scope_caseworker_id"),
        *Assessment.objects.filter(person=person).values_list("scope_team_id", "scope_caseworker_id"),
        *Flag.objects.filter(person=person).values_list("scope_team_id", "scope_caseworker_id"),
    ]
    assert len(rows) == 3  # one of each: the loop below cannot pass on nothing
    return set(rows)


@pytest.fixture
def case(person, caseworker, supervisor):
    proposal = services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=D(2027, 3, 1),
    )
    assessment = builders.start(assessor=caseworker, person=person, proposal=proposal)
    flag = services.flag_raise(actor=supervisor, person=person, reason="Fictional concern", severity=3)
    return proposal, assessment, flag


@pytest.mark.django_db
def test_new_rows_copy_the_persons_team_caseworker_and_planned_date(case, person, team, caseworker):
    proposal, assessment, _ = case
    assert copies(person) == {(team.pk, caseworker.pk)}
    assert Assessment.objects.get(pk=assessment.pk).proposal_planned_date == D(2027, 3, 1)


@pytest.mark.django_db
def test_moving_a_person_moves_the_copies_and_writes_no_history_for_them(case, person, other_team, other_caseworker, administrator):
    before = (RemovalProposalEvent.objects.count(), AssessmentEvent.objects.count(), FlagEvent.objects.count())
    from people import services as people_services

    people_services.person_update(
        actor=administrator, person=person, data={"owning_team": other_team, "assigned_caseworker": other_caseworker}
    )
    assert copies(person) == {(other_team.pk, other_caseworker.pk)}
    assert (RemovalProposalEvent.objects.count(), AssessmentEvent.objects.count(), FlagEvent.objects.count()) == before
    with connection.cursor() as cursor:  # and by raw SQL, unassigning
        cursor.execute("UPDATE people_person SET assigned_caseworker_id = NULL WHERE id = %s", [person.pk])
    assert copies(person) == {(other_team.pk, None)}


@pytest.mark.django_db
def test_a_stale_object_saved_later_or_a_raw_insert_cannot_leave_a_wrong_copy(case, person, team, other_team, caseworker):
    _, assessment, _ = case
    stale = Assessment.objects.get(pk=assessment.pk)
    Person.objects.filter(pk=person.pk).update(owning_team=other_team)
    stale.conclusion_reasons = "Saved from an object loaded before the move"
    stale.save()
    assert Assessment.objects.filter(pk=assessment.pk).values_list("scope_team_id", flat=True).get() == other_team.pk
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO assessments_flag (person_id, rule, dedup_key, category, reason, severity, blocks_removal,
                                             raised_at, resolution_note, scope_team_id, scope_caseworker_id)
               VALUES (%s, '', '', 'other', 'raw', 2, false, now(), '', %s, %s) RETURNING id""",
            [person.pk, team.pk, 999999],  # wrong copies given on purpose
        )
        flag_id = cursor.fetchone()[0]
    assert Flag.objects.filter(pk=flag_id).values_list("scope_team_id", "scope_caseworker_id").get() == (other_team.pk, caseworker.pk)


@pytest.mark.django_db
def test_a_new_planned_date_reorders_my_work(client, case, person, caseworker, team):
    proposal, assessment, _ = case
    other_person = type(person).objects.create(full_name_latin="Fictional Later Person", owning_team=team, assigned_caseworker=caseworker)
    later = services.proposal_create(
        actor=caseworker, person=other_person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=D(2027, 2, 1),
    )
    builders.start(assessor=caseworker, person=other_person, proposal=later)
    client.force_login(caseworker)

    def order():
        body = client.get(reverse("assessments:my_work")).content.decode()
        section = body.split('id="h-progress"', 1)[1].split("</table>", 1)[0]
        names = ["Fictional Later Person", person.full_name_latin]
        assert all(name in section for name in names)
        return sorted(names, key=section.index)

    assert order() == ["Fictional Later Person", person.full_name_latin]  # 1 February before 1 March
    RemovalProposal.objects.filter(pk=proposal.pk).update(planned_date=D(2027, 1, 15))
    assert Assessment.objects.get(pk=assessment.pk).proposal_planned_date == D(2027, 1, 15)
    assert order() == [person.full_name_latin, "Fictional Later Person"]


@pytest.mark.django_db
def test_the_review_queue_follows_a_person_to_their_new_team(client, case, person, caseworker, supervisor, other_team, other_supervisor):
    _, assessment, flag = case
    builders.fill(assessment, assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=Assessment.objects.get(pk=assessment.pk))

    def queue(user):
        client.force_login(user)
        return client.get(reverse("assessments:review_queue")).content.decode()

    assert assessment.reference in queue(supervisor) and "Fictional concern" in queue(supervisor)
    assert assessment.reference not in queue(other_supervisor) and "Fictional concern" not in queue(other_supervisor)
    Person.objects.filter(pk=person.pk).update(owning_team=other_team)
    assert assessment.reference not in queue(supervisor) and "Fictional concern" not in queue(supervisor)
    assert assessment.reference in queue(other_supervisor) and "Fictional concern" in queue(other_supervisor)


@pytest.mark.django_db
def test_my_work_ranks_people_by_their_nearest_removal_even_with_many_proposals_each(client, person, caseworker, team):
    # Two hundred dated proposals of one person fill the window My work reads in date order; the next person
    # must still be listed, after them (the ranking then aggregates per person).
    soon = datetime.date.today() + datetime.timedelta(days=2)
    RemovalProposal.objects.bulk_create(
        RemovalProposal(person=person, measure="deportation", destination="IR", proposed_by="Fictional", recorded_by=caseworker,
                        planned_date=soon + datetime.timedelta(days=i % 5))
        for i in range(200)
    )
    later = Person.objects.create(full_name_latin="Fictional Later Person", owning_team=team, assigned_caseworker=caseworker)
    RemovalProposal.objects.create(person=later, measure="deportation", destination="IR", proposed_by="Fictional",
                                   recorded_by=caseworker, planned_date=soon + datetime.timedelta(days=30))
    client.force_login(caseworker)
    body = client.get(reverse("assessments:my_work")).content.decode()
    assigned = body.split('id="h-assigned"', 1)[1].split("</table>", 1)[0]
    assert assigned.count(person.full_name_latin) == 1 and "Fictional Later Person" in assigned
    assert assigned.index(person.full_name_latin) < assigned.index("Fictional Later Person")
    assert "2 days left" in assigned and "32 days left" in assigned


@pytest.mark.django_db
def test_my_work_fills_the_people_list_by_name_with_their_open_flags_and_counts_only_my_scope(client, caseworker, team, other_team):
    soon = datetime.date.today() + datetime.timedelta(days=4)
    dated = Person.objects.create(full_name_latin="Fictional Zed Dated", owning_team=team, assigned_caseworker=caseworker)
    RemovalProposal.objects.create(person=dated, measure="deportation", destination="IR", proposed_by="Fictional",
                                   recorded_by=caseworker, planned_date=soon)
    flagged = Person.objects.create(full_name_latin="Fictional Bea", owning_team=team, assigned_caseworker=caseworker)
    Person.objects.create(full_name_latin="Fictional Cyrus", owning_team=team, assigned_caseworker=caseworker)
    # Assigned to them, but of a team they do not belong to: not theirs to see, not counted.
    Person.objects.create(full_name_latin="Fictional Aaron Elsewhere", owning_team=other_team, assigned_caseworker=caseworker)
    for reason in ("Fictional first", "Fictional second", "Fictional resolved"):
        services.flag_raise(actor=caseworker, person=flagged, reason=reason, severity=2)
    services.flag_resolve(actor=caseworker, flag=flagged.flags.get(reason="Fictional resolved"), note="Fictional: dealt with")
    client.force_login(caseworker)
    body = client.get(reverse("assessments:my_work")).content.decode()
    assigned = body.split('id="h-assigned"', 1)[1].split("</section>", 1)[0]
    rows = assigned.split("<tr>")[2:]
    assert [r.split('">', 2)[1].split("<", 1)[0] for r in rows] == ["Fictional Zed Dated", "Fictional Bea", "Fictional Cyrus"]
    assert "4 days left" in rows[0] and "<td>None planned</td><td>2</td></tr>" in rows[1] and "<td>0</td>" in rows[2]
    assert "All 3 people assigned to me" in assigned and "Elsewhere" not in body


@pytest.mark.django_db
def test_my_work_follows_a_change_of_team_at_once(client, caseworker, team, other_team):
    """My work reads the scope anew at each visit: a new team shows its people at once."""
    Person.objects.create(full_name_latin="Fictional Home Person", owning_team=team, assigned_caseworker=caseworker)
    Person.objects.create(full_name_latin="Fictional Joined Person", owning_team=other_team, assigned_caseworker=caseworker)
    client.force_login(caseworker)

    def page():
        return client.get(reverse("assessments:my_work")).content.decode()

    first = page()
    assert "Fictional Home Person" in first and "Fictional Joined Person" not in first and "All 1 people" in first
    other_team.members.add(caseworker)
    assert "Fictional Joined Person" in page() and "All 2 people" in page()
    team.members.remove(caseworker)
    now = page()
    assert "Fictional Home Person" not in now and "Fictional Joined Person" in now
