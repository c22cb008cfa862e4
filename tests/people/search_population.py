"""The population the labelled search set is measured against: its targets, and hundreds of fictional
distractors with similar Iranian names (the same given and family names in other combinations, and
look-alike names such as Mahmoud for Mohammad or Hosseinzadeh for Hosseini). All fictional."""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

from people import choices
from people.models import IdentityDocument, Person, PersonName, Registration
from people.services import name_keys_for, search_text_for, search_words_for

LABELLED_SET = Path(__file__).with_name("search_labelled_set.csv")

GIVEN = [
    ("Mohammad", "محمد"), ("Mahmoud", "محمود"), ("Reza", "رضا"), ("Ali", "علی"), ("Hossein", "حسین"), ("Hassan", "حسن"),
    ("Mehdi", "مهدی"), ("Hamid", "حمید"), ("Saeed", "سعید"), ("Majid", "مجید"), ("Behrouz", "بهروز"), ("Kourosh", "کوروش"),
    ("Dariush", "داریوش"), ("Farhad", "فرهاد"), ("Javad", "جواد"), ("Abbas", "عباس"), ("Morteza", "مرتضی"), ("Omid", "امید"),
    ("Babak", "بابک"), ("Siamak", "سیامک"), ("Ahmad", "احمد"), ("Hamed", "حامد"), ("Masoud", "مسعود"), ("Yousef", "یوسف"),
    ("Ehsan", "احسان"), ("Esmail", "اسماعیل"), ("Gholamreza", "غلامرضا"), ("Abdolreza", "عبدالرضا"), ("Alireza", "علیرضا"),
    ("Hamidreza", "حمیدرضا"), ("Fatemeh", "فاطمه"), ("Zahra", "زهرا"), ("Maryam", "مریم"), ("Narges", "نرگس"),
    ("Parvin", "پروین"), ("Shirin", "شیرین"), ("Leila", "لیلا"), ("Azadeh", "آزاده"), ("Mahnaz", "مهناز"), ("Roya", "رویا"),
    ("Soheila", "سهیلا"), ("Nasrin", "نسرین"), ("Elaheh", "الهه"), ("Mina", "مینا"), ("Masoumeh", "معصومه"),
    ("Khadijeh", "خدیجه"), ("Zeinab", "زینب"), ("Fereshteh", "فرشته"), ("Marzieh", "مرضیه"), ("Mahboubeh", "محبوبه"),
    ("Zohreh", "زهره"), ("Parisa", "پریسا"), ("Sahar", "سحر"), ("Leyla", "لیلا"),
]
FAMILY = [
    ("Hosseini", "حسینی"), ("Hosseinzadeh", "حسین‌زاده"), ("Mohammadi", "محمدی"), ("Mohammadian", "محمدیان"),
    ("Rezaei", "رضایی"), ("Rezazadeh", "رضازاده"), ("Ahmadi", "احمدی"), ("Ahmadian", "احمدیان"), ("Karimi", "کریمی"),
    ("Karimian", "کریمیان"), ("Jafari", "جعفری"), ("Moradi", "مرادی"), ("Rahimi", "رحیمی"), ("Rahmani", "رحمانی"),
    ("Sadeghi", "صادقی"), ("Hashemi", "هاشمی"), ("Hashemian", "هاشمیان"), ("Ghasemi", "قاسمی"), ("Najafi", "نجفی"),
    ("Kazemi", "کاظمی"), ("Yazdani", "یزدانی"), ("Tehrani", "تهرانی"), ("Shirazi", "شیرازی"), ("Tabrizi", "تبریزی"),
    ("Esfahani", "اصفهانی"), ("Mousavi", "موسوی"), ("Ghorbani", "قربانی"), ("Rostami", "رستمی"), ("Mirzaei", "میرزایی"),
    ("Fathi", "فتحی"), ("Khosravi", "خسروی"), ("Nouri", "نوری"), ("Jalali", "جلالی"), ("Ebrahimi", "ابراهیمی"),
    ("Asadi", "اسدی"), ("Heidari", "حیدری"), ("Amini", "امینی"), ("Zarei", "زارعی"), ("Bagheri", "باقری"),
    ("Soltani", "سلطانی"), ("Ghaffari", "غفاری"), ("Ansari", "انصاری"), ("Sharifi", "شریفی"), ("Kamali", "کمالی"),
    ("Rashidi", "رشیدی"), ("Safavi", "صفوی"), ("Nazari", "نظری"), ("Sohrabi", "سهرابی"), ("Alavi", "علوی"),
    ("Mahdavi", "مهدوی"), ("Khalili", "خلیلی"), ("Abbasi", "عباسی"), ("Akbari", "اکبری"), ("Salehi", "صالحی"),
]


@dataclass
class Target:
    key: str
    latin: str
    original: str
    aliases: list[str]
    numbers: list[tuple[str, str]]
    queries: list[tuple[str, str]] = field(default_factory=list)  # (kind, query)
    person: Person | None = None


def load_targets() -> dict[str, Target]:
    targets: dict[str, Target] = {}
    with LABELLED_SET.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            target = targets.get(row["person"])
            if target is None:
                numbers = [tuple(n.split(":", 1)) for n in row["stored_numbers"].split(";") if n]
                aliases = [a for a in row["stored_aliases"].split(";") if a]
                target = targets[row["person"]] = Target(row["person"], row["stored_latin"], row["stored_original"], aliases, numbers)
            target.queries.append((row["kind"], row["query"]))
    return targets


def build_population(team, *, distractors: int = 600, seed: int = 6) -> dict[str, Target]:
    """Create the targets and `distractors` other people in `team`; return the targets with their persons."""
    targets = load_targets()
    taken = {t.latin.casefold() for t in targets.values()}
    rng = random.Random(seed)
    specs: list[tuple[str, str, list[str], str]] = []  # latin, original, aliases, target key
    for target in targets.values():
        specs.append((target.latin, target.original, target.aliases, target.key))
    combos = [(g, f) for g in GIVEN for f in FAMILY if f"{g[0]} {f[0]}".casefold() not in taken]
    rng.shuffle(combos)
    for given, family in combos[:distractors]:
        if rng.random() < 0.15:  # some three-part names, as in the rosters
            middle = rng.choice(GIVEN)
            specs.append((f"{given[0]} {middle[0]} {family[0]}", f"{given[1]} {middle[1]} {family[1]}", [], ""))
        else:
            specs.append((f"{given[0]} {family[0]}", f"{given[1]} {family[1]}", [], ""))
    people = [
        Person(
            full_name_latin=latin, full_name_original=original, original_script=choices.Script.PERSIAN, nationality="IR",
            birth_date=datetime.date(rng.randint(1950, 2010), 1, 1), birth_date_precision=choices.DatePrecision.YEAR,
            owning_team=team,
        )
        for latin, original, _aliases, _key in specs
    ]
    Person.objects.bulk_create(people)
    names_rows, registrations, documents = [], [], []
    for person, (latin, original, aliases, key) in zip(people, specs):
        numbers = []
        if key:
            targets[key].person = person
            for kind, number in targets[key].numbers:
                numbers.append(number)
                if kind == "unhcr":
                    registrations.append(Registration(person=person, issuer=choices.RegistrationIssuer.UNHCR, number=number))
                else:
                    documents.append(IdentityDocument(person=person, kind=choices.DocumentKind.PASSPORT, number=number, issuing_country="IR"))
        for alias in aliases:
            names_rows.append(PersonName(person=person, name=alias, script=choices.Script.LATIN))
        person.search_text = search_text_for(person, other_names=aliases, numbers=numbers)
        person.name_keys = name_keys_for(person, other_names=aliases)
        person.search_words = search_words_for(person, other_names=aliases)
    PersonName.objects.bulk_create(names_rows)
    Registration.objects.bulk_create(registrations)
    IdentityDocument.objects.bulk_create(documents)
    Person.objects.bulk_update(people, ["search_text", "name_keys", "search_words"])
    return targets
