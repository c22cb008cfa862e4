"""The world the golden pages are rendered from: two teams, a user of each role, and people whose rows show
every kind of thing the main pages draw (camp and non-camp residences, several current statuses, no
caseworker, Persian and Arabic names, HTML-special characters, drafts, submitted and returned assessments,
flags of each severity, proposals due overdue / today / within 7 / within 14 / later / undated ...).

Everything is named explicitly (factory sequences and Faker are process-global or random), every date is
relative to `today` (the app's own clock) or far outside the window the goldens tokenise (see
`test_golden_pages.normalise`), and every record that carries rules is made through the services, as
`tests/assessments/builders.py` does. Ids are made deterministic by `reset_sequences()`, which the module
fixture calls before building.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from assessments import choices as ac
from assessments import services as assessment_services
from assessments.models import RiskType
from core import clock, roles
from people import choices as pc
from people import services as people_services
from tests.assessments import builders
from tests.factories import CampFactory, LegalStatusFactory, PersonFactory, ResidenceFactory, TeamFactory, UserFactory
from tests.security.world import _pdf

D = datetime.date
# Every sequence of the schema starts here when the world is built: far above the rows migrations create
# (permissions, content types, risk types ...; asserted), so the world's ids are the same in every run.
FIRST_ID = 10_001
FILLERS = 110  # enough people in team North for a third page of the person list (50 a page)


@dataclass
class World:
    today: datetime.date
    users: dict = field(default_factory=dict)  # role key -> user ("caseworker", "supervisor", "administrator", ...)
    teams: dict = field(default_factory=dict)
    camps: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    proposals: dict = field(default_factory=dict)
    assessments: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    sequences: list = field(default_factory=list)  # every sequence as the build left it (sequence_state())

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)


# ---------------------------------------------------------------------------------------------------------
# Sequences


def _sequences(cursor) -> list[tuple[str, str, str]]:
    """(sequence, table, column) of every sequence owned by a column in schema public."""
    cursor.execute(
        "SELECT s.relname, t.relname, a.attname FROM pg_class s "
        "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
        "WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace ORDER BY s.relname"
    )
    return cursor.fetchall()


def reset_sequences(first: int = FIRST_ID) -> None:
    """Set every sequence of the schema so that its next value is `first`, through the owner's connection
    (the runtime role may only use sequences). Sequences are not transactional: this holds whatever
    transaction the test is in, and whatever ran before. Refuses if a committed row already has an id at
    or above `first` (the world's ids would then collide with it)."""
    with connections["owner"].cursor() as cursor:
        sequences = _sequences(cursor)
        assert len(sequences) > 50, "no sequences found: is the owner alias the test database?"
        taken = []
        for _, table, column in sequences:
            cursor.execute(f'SELECT max("{column}") FROM "{table}"')
            top = cursor.fetchone()[0]
            if top is not None and top >= first:
                taken.append(f"{table}.{column} = {top}")
        assert not taken, f"rows with ids at or above {first} exist (raise FIRST_ID): {', '.join(taken)}"
        cursor.execute(
            "SELECT setval(s::regclass, %s, false) FROM unnest(%s::text[]) AS s", [first, [s for s, _, _ in sequences]]
        )


def sequence_state() -> list[tuple[str, int, bool]]:
    """Where every sequence stands (to put them back there before each page is rendered)."""
    with connections["owner"].cursor() as cursor:
        names = [s for s, _, _ in _sequences(cursor)]
        state = []
        for name in names:
            cursor.execute(f'SELECT last_value, is_called FROM "{name}"')
            last, called = cursor.fetchone()
            state.append((name, last, called))
        return state


def restore_sequences(state: list[tuple[str, int, bool]]) -> None:
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT setval(s::regclass, v, c) FROM unnest(%s::text[], %s::bigint[], %s::bool[]) AS t(s, v, c)",
            [[s for s, _, _ in state], [v for _, v, _ in state], [c for _, _, c in state]],
        )


# ---------------------------------------------------------------------------------------------------------
# Assessments, through the services (as tests/assessments/builders.py, with dates relative to today)


def _interview(world: World, assessment, *, assessor, days_ago: int = 20) -> None:
    assessment_services.interview_save(
        actor=assessor,
        assessment=assessment,
        data={
            "held_on": world.day(-days_ago), "place": "Fictional field office, Erbil", "language": "fa",
            "interpreter_name": "Fictional Interpreter Parisa", "interpreter_not_representative": True,
            "information_given": "Purpose of the interview, confidentiality, right to counsel.",
            "record": "Fictional record of the interview.\nSecond paragraph of the record.",
            "confirmation": ac.Confirmation.CONFIRMED,
        },
    )


def _finding(assessment, *, assessor, country: str, code: str, outcome: str, reasons: str = "Fictional reasons based on the evidence.") -> None:
    assessment_services.finding_save(
        actor=assessor, assessment=assessment, country=country, risk_type=RiskType.objects.get(code=code),
        data={"outcome": outcome, "reasons": reasons, "feared_actor": "state"},
    )


def complete(world: World, assessment, *, assessor, outcomes: dict[tuple[str, str], str] | None = None):
    """A draft made complete (an interview, a finding for every country and active risk type, a conclusion,
    the declaration), as builders.fill does, but with the interview dated relative to today."""
    outcomes = outcomes or {}
    _interview(world, assessment, assessor=assessor)
    any_risk = False
    for country in assessment.route:
        for risk_type in RiskType.objects.filter(is_active=True):
            outcome = outcomes.get((country, risk_type.code), ac.Outcome.NO_REAL_RISK)
            any_risk |= outcome != ac.Outcome.NO_REAL_RISK
            _finding(assessment, assessor=assessor, country=country, code=risk_type.code, outcome=outcome)
    assessment_services.assessment_update(
        actor=assessor, assessment=assessment,
        data={
            "conclusion": ac.Conclusion.REAL_RISK if any_risk else ac.Conclusion.NO_REAL_RISK,
            "conclusion_reasons": "Fictional conclusion with reasons.",
        },
    )
    assessment_services.assessment_declare_independence(actor=assessor, assessment=assessment, not_involved=True, no_conflict=True)
    assessment.refresh_from_db()
    return assessment


def _proposal(world: World, key: str, person, *, actor, days: int | None, destination="IR", transit=("TR",), measure=ac.Measure.DEPORTATION):
    proposal = assessment_services.proposal_create(
        actor=actor, person=person, measure=measure, destination=destination, transit_countries=list(transit),
        proposed_by="Fictional Border Police", planned_date=None if days is None else world.day(days), today=world.today,
    )
    world.proposals[key] = proposal
    return proposal


def _flag(world: World, person, *, actor, reason, severity, category=ac.FlagCategory.OTHER, blocks=False, assessment=None):
    flag = assessment_services.flag_raise(
        actor=actor, person=person, reason=reason, severity=severity, blocks_removal=blocks, category=category, assessment=assessment,
    )
    world.flags.append(flag)
    return flag


# ---------------------------------------------------------------------------------------------------------
# The world


def _user(username, first, last, role, *teams, supervises=()):
    user = UserFactory(username=username, first_name=first, last_name=last, role=role)
    for team in teams:
        team.members.add(user)
    for team in supervises:
        team.supervisors.add(user)
    return user


def _person(world: World, key: str, team, **fields):
    defaults = {
        "full_name_original": "", "original_script": "", "sex": pc.Sex.UNKNOWN, "birth_date": None,
        "birth_date_precision": pc.DatePrecision.DAY, "nationality": "", "assigned_caseworker": None,
    }
    person = PersonFactory(owning_team=team, **(defaults | fields))
    people_services.person_reindex(person=person)  # as person_create does: the search columns
    world.people[key] = person
    return person


def build_world(evidence_upload=True) -> World:
    world = World(today=clock.today())
    day = world.day

    north = world.teams["north"] = TeamFactory(name="Golden Team North")
    south = world.teams["south"] = TeamFactory(name="Golden Team South")
    cw = world.users["caseworker"] = _user("golden_cw", "Leila", "Karimi", roles.CASEWORKER, north)
    cw2 = world.users["caseworker2"] = _user("golden_cw2", "Omar", "Haddad", roles.CASEWORKER, north)
    nameless = world.users["nameless"] = _user("golden_nameless", "", "", roles.CASEWORKER, north)
    sup = world.users["supervisor"] = _user("golden_sup", "Sara", "Nouri", roles.SUPERVISOR, north, supervises=[north])
    admin = world.users["administrator"] = _user("golden_admin", "Ada", "Admin", roles.ADMINISTRATOR)
    cw_s = world.users["caseworker_south"] = _user("golden_cw_s", "Tomas", "Berg", roles.CASEWORKER, south)
    sup_s = world.users["supervisor_south"] = _user("golden_sup_s", "Ines", "Falk", roles.SUPERVISOR, south, supervises=[south])

    ashti = world.camps["ashti"] = CampFactory(
        name="Camp Ashti", country="IQ", region="Erbil", managing_authority="Fictional Camp Authority", capacity=3,
        notes="Fictional notes.\nWater point near gate 2.",
    )
    bahar = world.camps["bahar"] = CampFactory(name="Camp Bahar & Annex", country="IQ", region="Diyala", capacity=100)
    world.camps["dune"] = CampFactory(name="Camp Dune (closed)", country="JO", region="", capacity=50, is_open=False)
    party = people_services.organisation_create(actor=cw, name="Fictional Democratic Party", aliases=["FDP", "Hizb-e Khiali"])

    # --- The main person: the profile, the case file, the decision page, the draft with findings.
    reza = _person(
        world, "reza", north, full_name_latin="Reza Tehrani", full_name_original="رضا تهرانی", original_script=pc.Script.PERSIAN,
        sex=pc.Sex.MALE, birth_date=D(1985, 3, 5), nationality="IR", languages=["fa", "ckb"], interpreter_needed=True,
        assigned_caseworker=cw, external_id="ROSTER-7", contact_notes="Reach through the camp office.\nNo phone.",
    )
    people_services.person_name_add(actor=cw, person=reza, name="Rida Tihrani", kind=pc.NameKind.SPELLING, script=pc.Script.LATIN)
    people_services.person_name_add(actor=cw, person=reza, name="رضا ت.", kind=pc.NameKind.ALIAS, script=pc.Script.PERSIAN)
    people_services.registration_add(actor=cw, person=reza, issuer="unhcr", number="UNHCR-884-21", registered_on=day(-400))
    people_services.identity_document_add(actor=cw, person=reza, kind="passport", number="P1234567", issuing_country="IR", expires_on=day(300))
    people_services.identity_document_add(actor=cw, person=reza, kind="national_id", number="NID-55", issuing_country="IR", expires_on=day(-30))
    people_services.residence_add(actor=cw, person=reza, place="Sulaymaniyah, rented room", country="IQ", started_on=D(2010, 1, 1))
    people_services.residence_add(actor=cw, person=reza, camp=ashti, started_on=day(-400))  # ends the first one
    people_services.legal_status_add(actor=cw, person=reza, kind="asylum_seeker", started_on=D(2010, 1, 1), ended_on=day(-500))
    people_services.legal_status_add(actor=cw, person=reza, kind="refugee", started_on=day(-500), source="UNHCR RSD, Erbil")
    people_services.legal_status_add(
        actor=cw, person=reza, kind="gc4_art27", started_on=D(2012, 7, 1), legal_basis="GC IV Art. 27", source="Fictional ICRC letter",
    )
    people_services.affiliation_add(actor=cw, person=reza, organisation=party, role="member", started_on=D(2008, 1, 1))
    people_services.vulnerability_add(
        actor=cw, person=reza, kind="torture_survivor", established_on=day(-200), established_by="Fictional clinic doctor",
    )
    people_services.vulnerability_add(
        actor=cw, person=reza, kind="serious_illness", established_on=day(-300), established_by="Fictional hospital",
        relevant_until=day(-10), notes="Treated; follow-up <done> & closed.",
    )
    sina = _person(world, "sina", north, full_name_latin="Sina Tehrani", full_name_original="سینا تهرانی", original_script=pc.Script.PERSIAN,
                   sex=pc.Sex.MALE, birth_date=D(1990, 1, 1), birth_date_precision=pc.DatePrecision.YEAR, nationality="IR", assigned_caseworker=sup)
    darya = _person(world, "darya", south, full_name_latin="Darya Tehrani", full_name_original="دریا تهرانی", original_script=pc.Script.PERSIAN,
                    sex=pc.Sex.FEMALE, birth_date=D(1988, 6, 1), birth_date_precision=pc.DatePrecision.MONTH, nationality="IR")
    people_services.family_link_add(actor=cw, person=reza, relative=sina, relationship="sibling", same_household=True)
    people_services.family_link_add(actor=admin, person=darya, relative=reza, relationship="spouse")
    people_services.residence_add(actor=cw, person=sina, camp=ashti, started_on=day(-380))

    decided = _proposal(world, "reza_decided", reza, actor=cw, days=None, destination="AF", transit=(), measure=ac.Measure.EXTRADITION)
    assessment_services.removal_decision_record(
        actor=sup, person=reza, measure=decided.measure, destination="AF", transit_countries=[], proposal=decided,
        outcome=ac.DecisionOutcome.BARRED, reasons="No assessment & <no> assurances: barred.", decided_on=day(-60), today=world.today,
    )
    overdue = _proposal(world, "reza_overdue", reza, actor=cw, days=-3)  # raises the imminent and vulnerable flags
    draft = builders.start(assessor=cw, person=reza, proposal=overdue)
    world.assessments["draft"] = draft
    _interview(world, draft, assessor=cw)
    assessment_services.evidence_add(
        actor=cw, assessment=draft,
        data={"kind": "medical", "title": "Fictional forensic report", "source": "Fictional clinic", "document_date": day(-40),
              "reliability": "high", "corroboration": "partly", "restricted": True, "disclosed_to_person": True},
        upload=SimpleUploadedFile("forensic.pdf", _pdf(), content_type="application/pdf") if evidence_upload else None,
        consistencies=[{"finding": "Scars on both wrists", "alleged_cause": "suspension", "degree": "highly_consistent"}],
    )
    assessment_services.evidence_add(
        actor=cw, assessment=draft,
        data={"kind": "coi", "title": "Fictional country report on detention", "source": "Fictional NGO",
              "document_date": day(-90), "accessed_on": day(-35), "citation": "Fictional report, p. 12 & annex <B>"},
    )
    _finding(draft, assessor=cw, country="IR", code="torture", outcome=ac.Outcome.REAL_RISK)  # raises a blocking flag
    _finding(draft, assessor=cw, country="IR", code="cidt", outcome=ac.Outcome.INSUFFICIENT)
    _finding(draft, assessor=cw, country="TR", code="onward_refoulement", outcome=ac.Outcome.NO_REAL_RISK)
    assessment_services.assurance_save(
        actor=cw, assessment=draft,
        data={"country": "IR", "issuer": "Fictional Ministry", "given_on": day(-25), "text": "Fictional assurance text.",
              "specificity": "general", "evaluation": "Fictional evaluation: not reliable.", "weight": "limited"},
    )
    _flag(world, reza, actor=cw, reason="Lawyer asks to halt removal pending an appeal", severity=ac.Severity.HIGH, blocks=True)
    _flag(world, reza, actor=cw, reason="Reports of <arrests> & raids near the border", severity=ac.Severity.LOW)
    settled = _flag(world, reza, actor=cw, reason="Missing identity papers", severity=ac.Severity.MEDIUM)
    assessment_services.flag_resolve(actor=sup, flag=settled, note="Papers found in the camp office.")
    assessment_services.consent_record(
        actor=cw, person=reza, destination="IR", transit_countries=[], today=world.today,
        data={"given_on": day(-10), "language": "fa", "conditions_explained": "Fictional briefing.",
              "no_pressure_confirmed": True, "safe_setting_confirmed": True},
    )

    # --- A submitted assessment (the review page), removal today; Arabic script; a non-camp residence.
    fatima = _person(
        world, "fatima", north, full_name_latin="Fatima Al-Rashid", full_name_original="فاطمة الراشد", original_script=pc.Script.ARABIC,
        sex=pc.Sex.FEMALE, birth_date=D(1990, 1, 1), birth_date_precision=pc.DatePrecision.YEAR, nationality="SY", assigned_caseworker=cw,
    )
    people_services.residence_add(actor=cw, person=fatima, place="Erbil, Ankawa, rented flat", country="IQ", started_on=day(-100))
    people_services.legal_status_add(actor=cw, person=fatima, kind="asylum_seeker", started_on=day(-100))
    today_proposal = _proposal(world, "fatima_today", fatima, actor=cw, days=0, destination="SY", transit=("JO",))
    submitted = complete(world, builders.start(assessor=cw, person=fatima, proposal=today_proposal), assessor=cw,
                         outcomes={("SY", "arbitrary_detention"): ac.Outcome.INSUFFICIENT})
    assessment_services.assessment_submit(actor=cw, assessment=submitted)
    world.assessments["submitted"] = submitted

    # --- HTML-special characters; no caseworker, no residence, no status; a returned assessment.
    aidan = _person(world, "aidan", north, full_name_latin="Aidan O'Brien & <Sons>", sex=pc.Sex.MALE, stateless=True)
    soon = _proposal(world, "aidan_soon", aidan, actor=cw, days=5, destination="GR", transit=(), measure=ac.Measure.TRANSFER)
    returned = complete(world, builders.start(assessor=cw, person=aidan, proposal=soon), assessor=cw)
    assessment_services.assessment_submit(actor=cw, assessment=returned)
    assessment_services.assessment_return(actor=sup, assessment=returned, comments='Check the "GR" reception & <detention> facts.')
    world.assessments["returned"] = returned
    _flag(world, aidan, actor=cw, reason='Lawyer reports "new" charges & <b>detention</b>', severity=ac.Severity.CRITICAL,
          assessment=returned)

    # --- Proposals with no assessment: within 14 days, and undated.
    maryam = _person(world, "maryam", north, full_name_latin="Maryam Karimi", full_name_original="مریم کریمی", original_script=pc.Script.PERSIAN,
                     sex=pc.Sex.FEMALE, nationality="AF", assigned_caseworker=cw)
    people_services.residence_add(actor=cw, person=maryam, camp=bahar, started_on=day(-30))
    people_services.legal_status_add(actor=cw, person=maryam, kind="poc", started_on=day(-30))
    people_services.vulnerability_add(actor=cw, person=maryam, kind="torture_survivor", established_on=day(-25), established_by="Fictional NGO doctor")
    _proposal(world, "maryam_fortnight", maryam, actor=cw, days=12, destination="AF", transit=("IR",))
    _flag(world, maryam, actor=cw, reason="Security concern reported by camp staff", severity=ac.Severity.MEDIUM)
    nasrin = _person(world, "nasrin", north, full_name_latin="Nasrin Ahmadi", full_name_original="نسرین احمدی", original_script=pc.Script.PERSIAN,
                     sex=pc.Sex.FEMALE, nationality="IR", assigned_caseworker=cw)
    people_services.residence_add(actor=cw, person=nasrin, camp=ashti, started_on=day(-200))
    people_services.legal_status_add(actor=cw, person=nasrin, kind="refugee", started_on=day(-200))
    people_services.legal_status_add(actor=cw, person=nasrin, kind="stateless", started_on=day(-150))
    _proposal(world, "nasrin_undated", nasrin, actor=cw, days=None)

    # --- An approved assessment covering a later removal (the gate allows it).
    yusuf = _person(world, "yusuf", north, full_name_latin="Yusuf Demir", sex=pc.Sex.MALE, nationality="TR", assigned_caseworker=cw)
    people_services.residence_add(actor=cw2, person=yusuf, camp=ashti, started_on=day(-90))
    people_services.legal_status_add(actor=cw2, person=yusuf, kind="refugee", started_on=day(-90))
    later = _proposal(world, "yusuf_later", yusuf, actor=cw2, days=40, destination="TR", transit=())
    approved = complete(world, builders.start(assessor=cw2, person=yusuf, proposal=later), assessor=cw2)
    assessment_services.assessment_submit(actor=cw2, assessment=approved)
    assessment_services.assessment_approve(actor=sup, assessment=approved, comments="Thorough.", today=world.today)
    approved.refresh_from_db()
    world.assessments["approved"] = approved

    # A removal in 10 days for the supervisor's own person (their My work), no assessment.
    _proposal(world, "sina_ten_days", sina, actor=sup, days=10, destination="IR", transit=())
    # The dashboard orders "Open flags by kind" by count only, so equal counts come in whatever order the
    # database returns them: the world gives each kind its own count (removal imminent 5, raised by hand 4,
    # vulnerable person 2, real risk of torture 1; South adds none).

    # --- Team South: only administrators (and South's own users) see these.
    tehrany = _person(world, "tehrany", south, full_name_latin="Reza Tehrany", full_name_original="رضا طهرانی", original_script=pc.Script.PERSIAN,
                      sex=pc.Sex.MALE, nationality="IR", assigned_caseworker=cw_s)
    people_services.residence_add(actor=cw_s, person=tehrany, camp=ashti, started_on=day(-60))
    south_proposal = _proposal(world, "tehrany_month", tehrany, actor=cw_s, days=20, destination="IR", transit=("TR",))
    south_submitted = complete(world, builders.start(assessor=cw_s, person=tehrany, proposal=south_proposal), assessor=cw_s,
                               outcomes={("IR", "persecution"): ac.Outcome.REAL_RISK})
    assessment_services.assessment_submit(actor=cw_s, assessment=south_submitted)
    world.assessments["south_submitted"] = south_submitted
    del sup_s  # South's supervisor exists so that South has one; nothing of theirs is needed here

    # --- Filler people in North, so that the person list has a third page. Rows vary by number.
    scripts = [("", ""), ("شخص خیالی", pc.Script.PERSIAN), ("شخص وهمي", pc.Script.ARABIC)]
    for n in range(1, FILLERS + 1):
        original, script = scripts[n % 3]
        precision = [pc.DatePrecision.DAY, pc.DatePrecision.MONTH, pc.DatePrecision.YEAR][n % 3]
        born = D(1970 + n % 30, 1 + n % 12 if precision != pc.DatePrecision.YEAR else 1, 1 + n % 28 if precision == pc.DatePrecision.DAY else 1)
        person = PersonFactory(
            owning_team=north, full_name_latin=f"Roster Person {n:03d}", full_name_original=original, original_script=script,
            sex=pc.Sex.FEMALE if n % 2 else pc.Sex.MALE, birth_date=born if n % 10 else None, birth_date_precision=precision,
            nationality=["IR", "IQ", "SY", "AF"][n % 4], assigned_caseworker=nameless if n % 5 == 0 else (cw if n % 7 == 0 else None),
        )
        if n % 3 == 0:
            ResidenceFactory(person=person, camp=bahar, started_on=D(2015, 1, 1))
        elif n % 3 == 1 and n % 2:
            ResidenceFactory(person=person, camp=None, place="Duhok, with relatives", country="IQ", started_on=D(2016, 1, 1))
        if n % 4 == 0:
            LegalStatusFactory(person=person, kind="refugee", started_on=D(2016, 1, 1))
        if n % 8 == 0:
            LegalStatusFactory(person=person, kind="poc", started_on=D(2017, 1, 1))
    return world
