"""Fictional demo data for the registry, generated deterministically from `fixtures/demo.json`.

Idempotent: teams, users, camps and the organisation are found by name, residents by their external id
(DEMO-0001 …), so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from people import choices
from people.services import name_keys_for, search_text_for, search_words_for
from people.models import (
    Affiliation,
    Camp,
    FamilyLink,
    LegalStatus,
    Organisation,
    OrganisationAlias,
    Person,
    PersonName,
    Registration,
    Residence,
    Team,
    Vulnerability,
)

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
SEED = 20080703  # the date of the first statement quoted in the seed document


def load_demo() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str


def seed_accounts(demo: dict) -> tuple[dict[str, Team], list[DemoLogin]]:
    """Teams and demo users (created once; passwords reset to the documented ones on every run)."""
    User = get_user_model()
    teams = {}
    for spec in demo["teams"]:
        team, _ = Team.objects.get_or_create(name=spec["name"], defaults={"description": spec["description"]})
        teams[team.name] = team
    logins = []
    for spec in demo["users"]:
        user, created = User.objects.get_or_create(
            username=spec["username"],
            defaults={"first_name": spec["first_name"], "last_name": spec["last_name"], "email": f"{spec['username']}@demo.invalid"},
        )
        if created or not user.check_password(spec["password"]):
            user.set_password(spec["password"])
        user.is_staff = spec["role"] == "Administrator"
        user.is_superuser = bool(spec.get("superuser"))
        user.save()
        user.groups.add(Group.objects.get(name=spec["role"]))
        for name in spec.get("member_of", []):
            teams[name].members.add(user)
        for name in spec.get("supervises", []):
            teams[name].supervisors.add(user)
        logins.append(DemoLogin(spec["username"], spec["password"], spec["role"]))
    return teams, logins


def seed_places(demo: dict) -> tuple[list[Camp], Organisation]:
    camps = []
    for spec in demo["camps"]:
        camp, _ = Camp.objects.get_or_create(name=spec["name"], defaults={k: v for k, v in spec.items() if k != "name"})
        camps.append(camp)
    org_spec = demo["organisation"]
    organisation, _ = Organisation.objects.get_or_create(name=org_spec["name"], defaults={"description": org_spec["description"]})
    for alias in org_spec["aliases"]:
        OrganisationAlias.objects.get_or_create(organisation=organisation, name=alias)
    return camps, organisation


def seed_residents(
    demo: dict, *, teams: dict[str, Team], camps: list[Camp], organisation: Organisation, actor, progress: Callable[[int, int], None]
) -> int:
    """Generate the fictional residents, their families and records. Returns how many were created."""
    spec = demo["residents"]
    total = spec["count"]
    existing = set(Person.objects.filter(external_id__startswith="DEMO-").values_list("external_id", flat=True))
    if len(existing) >= total:
        progress(total, total)
        return 0
    rng = random.Random(SEED)
    team_list = list(teams.values())
    caseworkers = {team.pk: list(team.members.order_by("pk")) for team in team_list}
    households = _plan_households(rng, spec, total)
    created = 0
    with transaction.atomic():
        for index, member in enumerate(households, start=1):
            external_id = f"DEMO-{index:04d}"
            member["external_id"] = external_id
            second_team = index > total - spec["in_second_team"]
            member["team"] = team_list[1] if second_team else team_list[0]
            member["camp"] = camps[1] if second_team else camps[0]
        to_create = [m for m in households if m["external_id"] not in existing]
        people_rows = []
        for m in to_create:
            team = m["team"]
            workers = caseworkers.get(team.pk) or [None]
            people_rows.append(
                Person(
                    full_name_latin=m["latin"],
                    full_name_original=m["original"],
                    original_script=choices.Script.PERSIAN,
                    sex=m["sex"],
                    birth_date=m["birth_date"],
                    birth_date_precision=m["precision"],
                    nationality="IR",
                    languages=m["languages"],
                    interpreter_needed="en" not in m["languages"],
                    contact_notes="Fictional demo record.",
                    external_id=m["external_id"],
                    owning_team=team,
                    assigned_caseworker=workers[m["n"] % len(workers)],
                    created_by=actor,
                )
            )
        Person.objects.bulk_create(people_rows, batch_size=500)
        by_external = {p.external_id: p for p in people_rows}
        records: dict[type, list] = {model: [] for model in (Residence, LegalStatus, Registration, Affiliation, Vulnerability, PersonName)}
        for done, m in enumerate(to_create, start=1):
            person = by_external[m["external_id"]]
            m["person"] = person
            _records_for(rng, m, person, organisation, records, spec)
            if done % 50 == 0 or done == len(to_create):
                progress(len(existing) + done, total)
        for model, rows in records.items():
            model.objects.bulk_create(rows, batch_size=1000)
        links = []
        for m in to_create:
            head = m.get("head")
            if head is not None and "person" in head:
                links.append(FamilyLink(person=head["person"], relative=m["person"], relationship=m["relation"], same_household=True))
        FamilyLink.objects.bulk_create(links, batch_size=1000)
        _index_search_text([m["person"] for m in to_create], records)
        created = len(to_create)
    return created


def _plan_households(rng: random.Random, spec: dict, total: int) -> list[dict]:
    """Households of one to six people: a head, sometimes a spouse, sometimes children."""
    people: list[dict] = []
    n = 0
    while len(people) < total:
        family = rng.choice(spec["family_names"])
        head_sex = choices.Sex.MALE if rng.random() < 0.7 else choices.Sex.FEMALE
        head = _member(rng, spec, n, family, head_sex, adult=True)
        people.append(head)
        n += 1
        if rng.random() < 0.45 and len(people) < total:
            spouse_sex = choices.Sex.FEMALE if head_sex == choices.Sex.MALE else choices.Sex.MALE
            spouse = _member(rng, spec, n, family, spouse_sex, adult=True, head=head, relation=choices.Relationship.SPOUSE)
            people.append(spouse)
            n += 1
            for _ in range(rng.choice([0, 0, 1, 2, 3, 4])):
                if len(people) >= total:
                    break
                child_sex = rng.choice([choices.Sex.MALE, choices.Sex.FEMALE])
                people.append(_member(rng, spec, n, family, child_sex, adult=False, head=head, relation=choices.Relationship.CHILD))
                n += 1
    return people[:total]


def _member(rng, spec, n, family, sex, *, adult, head=None, relation=None) -> dict:
    pool = spec["given_names_male"] if sex == choices.Sex.MALE else spec["given_names_female"]
    given = rng.choice(pool)
    year = rng.randint(1952, 1985) if adult else rng.randint(2008, 2022)
    precision = rng.choice([choices.DatePrecision.YEAR, choices.DatePrecision.YEAR, choices.DatePrecision.MONTH, choices.DatePrecision.DAY])
    if precision == choices.DatePrecision.YEAR:
        born = datetime.date(year, 1, 1)
    elif precision == choices.DatePrecision.MONTH:
        born = datetime.date(year, rng.randint(1, 12), 1)
    else:
        born = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    languages = ["fa"] + (["ar"] if rng.random() < 0.4 else []) + (["en"] if rng.random() < 0.2 else []) + (["ckb"] if rng.random() < 0.05 else [])
    return {
        "n": n,
        "given": given,
        "family": family,
        "latin": f"{given[0]} {family[0]}",
        "original": f"{given[1]} {family[1]}",
        "sex": sex,
        "birth_date": born,
        "precision": precision,
        "languages": languages,
        "adult": adult,
        "head": head,
        "relation": relation,
    }


def _records_for(rng, m: dict, person: Person, organisation: Organisation, records: dict, spec: dict) -> None:
    arrival = datetime.date(2003, 5, rng.randint(1, 28)) if m["adult"] else max(person.birth_date, datetime.date(2003, 5, 1))
    records[Residence].append(Residence(person=person, camp=m["camp"], started_on=arrival))
    if person.birth_date < datetime.date(2004, 7, 2):
        records[LegalStatus].append(
            LegalStatus(
                person=person,
                kind=choices.LegalStatusKind.PROTECTED_PERSON,
                legal_basis="Fourth Geneva Convention, Art. 27",
                source="Designation by the multinational force (fictional letter DEMO-MNF-2004-07)",
                started_on=datetime.date(2004, 7, 2),
                ended_on=datetime.date(2009, 1, 1) if rng.random() < 0.5 else None,
            )
        )
    if rng.random() < 0.6:
        records[LegalStatus].append(
            LegalStatus(
                person=person,
                kind=choices.LegalStatusKind.PERSON_OF_CONCERN,
                legal_basis="UNHCR mandate",
                source="UNHCR Baghdad (fictional)",
                started_on=max(datetime.date(2011, 9, 13), person.birth_date),
            )
        )
    elif rng.random() < 0.5:
        records[LegalStatus].append(
            LegalStatus(
                person=person,
                kind=choices.LegalStatusKind.ASYLUM_SEEKER,
                legal_basis="Claim lodged with UNHCR (fictional)",
                source="Registration interview",
                started_on=max(datetime.date(2012, 2, 1), person.birth_date),
            )
        )
    records[Registration].append(
        Registration(person=person, issuer=choices.RegistrationIssuer.UNHCR, number=f"DEMO-UN-{m['n'] + 1:06d}", registered_on=datetime.date(2011, 9, 13))
    )
    records[Registration].append(Registration(person=person, issuer=choices.RegistrationIssuer.CAMP, number=f"GOL-{m['n'] + 1:05d}"))
    if m["adult"] and rng.random() < 0.75:
        role = rng.choice(["member", "member", "supporter", "former official", "member of the leadership council"])
        records[Affiliation].append(
            Affiliation(person=person, organisation=organisation, role=role, started_on=datetime.date(rng.randint(1981, 2002), 1, 1), source="Self-declared at registration")
        )
    if m["adult"] and rng.random() < 0.09:
        records[Vulnerability].append(
            Vulnerability(person=person, kind=choices.VulnerabilityKind.TORTURE_SURVIVOR, established_on=datetime.date(2012, rng.randint(1, 12), 1), established_by="Dr. N. Example, fictional camp clinic (Istanbul Protocol examination)")
        )
    if m["adult"] and rng.random() < 0.04:
        records[Vulnerability].append(
            Vulnerability(person=person, kind=choices.VulnerabilityKind.SERIOUS_ILLNESS, established_on=datetime.date(2020, rng.randint(1, 12), 1), established_by="Fictional camp clinic")
        )
    if not m["adult"]:
        eighteen = person.birth_date.replace(year=person.birth_date.year + 18)
        records[Vulnerability].append(
            Vulnerability(person=person, kind=choices.VulnerabilityKind.MINOR, established_on=max(person.birth_date, datetime.date(2003, 5, 1)), established_by="Date of birth on registration", relevant_until=eighteen)
        )
    if m["adult"] and person.birth_date.year < 1956:
        records[Vulnerability].append(
            Vulnerability(person=person, kind=choices.VulnerabilityKind.ELDERLY, established_on=datetime.date(2021, 1, 1), established_by="Caseworker assessment")
        )
    variants = spec["spelling_variants"]
    for word in (m["given"][0], m["family"][0]):
        for variant in variants.get(word, [])[:1]:
            alias = m["latin"].replace(word, variant)
            records[PersonName].append(PersonName(person=person, name=alias, script=choices.Script.LATIN, kind=choices.NameKind.SPELLING))


def _index_search_text(people: list[Person], records: dict) -> None:
    extra_names: dict[int, list[str]] = {}
    numbers: dict[int, list[str]] = {}
    for row in records[PersonName]:
        extra_names.setdefault(row.person_id, []).append(row.name)
    for row in records[Registration]:
        numbers.setdefault(row.person_id, []).append(row.number)
    for person in people:
        person.search_text = search_text_for(person, other_names=extra_names.get(person.pk, []), numbers=numbers.get(person.pk, []))
        person.name_keys = name_keys_for(person, other_names=extra_names.get(person.pk, []))
        person.search_words = search_words_for(person, other_names=extra_names.get(person.pk, []))
    Person.objects.bulk_update(people, ["search_text", "name_keys", "search_words"], batch_size=500)
