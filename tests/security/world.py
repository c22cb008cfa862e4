"""A small world for the URL walk: two teams, one of every person-bearing record in each, and a user of
every kind. Names carry a per-team marker so a page that shows the other team's data is caught."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import choices as ac
from assessments import models as am
from assessments import services as assessment_services
from core import roles
from people import models as pm
from tests.assessments import builders
from tests.factories import CampFactory, OrganisationFactory, PersonFactory, TeamFactory, UserFactory

TEAMS = ("a", "b")
MISSING_PK = 99_999_999
# Strings that appear in one team's records only: a page served to the other team must not contain them.
MARKERS = {"a": ["Walker Alpha Person", "Walker Alpha Evidence"], "b": ["Walker Bravo Person", "Walker Bravo Evidence"]}
D = datetime.date


@dataclass(frozen=True)
class Actor:
    """Someone walking the URLs: their role (as the samples name roles), their team (None: every team,
    or anonymous), whether they are staff (the admin site)."""

    key: str
    role: str
    team: str | None
    staff: bool = False

    def sees(self, team: str) -> bool:
        return self.role == "administrator" or self.team == team


ACTORS = (
    Actor("anonymous", "anonymous", None),
    Actor("caseworker_a", "caseworker", "a"),
    Actor("supervisor_a", "supervisor", "a"),
    Actor("administrator", "administrator", None, staff=True),
    Actor("caseworker_b", "caseworker", "b"),
    Actor("supervisor_b", "supervisor", "b"),
    Actor("no_role_a", "no_role", "a"),
    Actor("staff_supervisor_b", "supervisor", "b", staff=True),
)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    teams: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # (model label, team) -> instance
    camp: object = None

    def obj(self, model, team):
        label = model if isinstance(model, str) else model._meta.label
        return self.objects[(label, team)]

    def add(self, team, *instances):
        for instance in instances:
            self.objects[(instance._meta.label, team)] = instance


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def build_world() -> World:
    world = World(camp=CampFactory(name="Walker Shared Camp"))
    organisation = OrganisationFactory(name="Walker Organisation")
    admin = UserFactory(username="walk_admin", role=roles.ADMINISTRATOR)
    world.users["administrator"] = admin
    for team_key in TEAMS:
        label = {"a": "Alpha", "b": "Bravo"}[team_key]
        team = TeamFactory(name=f"Walker Team {label}")
        world.teams[team_key] = team
        caseworker = UserFactory(username=f"walk_cw_{team_key}", role=roles.CASEWORKER)
        supervisor = UserFactory(username=f"walk_sup_{team_key}", role=roles.SUPERVISOR)
        team.members.add(caseworker, supervisor)
        team.supervisors.add(supervisor)
        world.users[f"caseworker_{team_key}"] = caseworker
        world.users[f"supervisor_{team_key}"] = supervisor

        person = PersonFactory(owning_team=team, full_name_latin=f"Walker {label} Person", assigned_caseworker=caseworker)
        relative = PersonFactory(owning_team=team, full_name_latin=f"Walker {label} Person Relative")
        world.add(
            team_key,
            person,
            pm.PersonName.objects.create(person=person, name=f"Walker {label} Person Alias"),
            pm.IdentityDocument.objects.create(person=person, kind="passport", number=f"W-{team_key}-1", issuing_country="IR"),
            pm.Registration.objects.create(person=person, issuer="unhcr", number=f"WALK-{team_key}"),
            pm.Residence.objects.create(person=person, camp=world.camp, started_on=D(2010, 1, 1)),
            pm.LegalStatus.objects.create(person=person, kind="refugee", started_on=D(2012, 1, 1)),
            pm.Affiliation.objects.create(person=person, organisation=organisation, role="member"),
            pm.FamilyLink.objects.create(person=person, relative=relative, relationship="sibling"),
            pm.Vulnerability.objects.create(person=person, kind="other", established_on=D(2020, 1, 1), established_by="Walker"),
        )

        proposal = am.RemovalProposal.objects.create(
            person=person, measure=ac.Measure.DEPORTATION, destination="IR", transit_countries=["TR"],
            proposed_by="Walker authority", recorded_by=caseworker,
        )
        assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
        evidence = assessment_services.evidence_add(
            actor=caseworker, assessment=assessment,
            data={"kind": "medical", "title": f"Walker {label} Evidence", "source": "Walker clinic"},
            upload=SimpleUploadedFile("walker.pdf", _pdf()),
            consistencies=[{"finding": "Walker scar", "alleged_cause": "Walker", "degree": "consistent"}],
        )
        assurance = assessment_services.assurance_save(
            actor=caseworker, assessment=assessment,
            data={"country": "IR", "issuer": "Walker ministry", "text": "Walker text", "specificity": "vague", "evaluation": "Walker", "weight": "none"},
        )
        assessment_services.assessment_submit(actor=caseworker, assessment=assessment)
        assessment_services.assessment_approve(actor=supervisor, assessment=assessment, today=builders.TODAY)
        assessment.refresh_from_db()
        finding = assessment.findings.first()
        finding.evidence.add(evidence)
        world.add(
            team_key,
            pm.ImportJob.objects.create(
                created_by=caseworker, team=team, file_label=f"walker-{team_key}.csv", file_format="csv",
                status=pm.ImportJob.Status.COMMITTED,
                report={"rejected": [{"row": 2, "reasons": [f"Walker {label} rejected row"], "cells": [f"Walker {label} Rejected"]}]},
            ),
            proposal,
            assessment,
            evidence,
            assurance,
            finding,
            assessment.interviews.first(),
            evidence.consistencies.first(),
            assessment.reviews.first(),
            am.Flag.objects.create(person=person, assessment=assessment, reason=f"Walker {label} flag", raised_by=caseworker),
            am.VoluntaryReturnConsent.objects.create(
                person=person, destination="IR", given_on=D(2026, 1, 1), language="fa", conditions_explained="Walker",
                no_pressure_confirmed=True, safe_setting_confirmed=True, recorded_by=caseworker,
            ),
            am.RemovalDecision.objects.create(
                person=person, measure=ac.Measure.DEPORTATION, outcome=ac.DecisionOutcome.BARRED, destination="IR",
                transit_countries=["TR"], decided_by=supervisor, decided_on=D(2026, 6, 2), reasons="Walker reasons",
            ),
        )

    no_role = UserFactory(username="walk_norole")
    world.teams["a"].members.add(no_role)
    world.users["no_role_a"] = no_role
    staff_sup = UserFactory(username="walk_staff_sup_b", role=roles.SUPERVISOR)
    staff_sup.is_staff = True
    staff_sup.save()
    world.teams["b"].members.add(staff_sup)
    world.teams["b"].supervisors.add(staff_sup)
    world.users["staff_supervisor_b"] = staff_sup
    assert Group.objects.filter(name=roles.SUPERVISOR).exists()
    return world
