"""Fixed vocabularies of the registry. Stored values are short stable codes; labels are what users read."""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / non-binary"
    UNKNOWN = "U", "Unknown"


class DatePrecision(models.TextChoices):
    DAY = "day", "Exact date"
    MONTH = "month", "Year and month only"
    YEAR = "year", "Year only"


class Script(models.TextChoices):
    PERSIAN = "fa", "Persian (Perso-Arabic)"
    ARABIC = "ar", "Arabic"
    KURDISH = "ku", "Kurdish (Sorani, Arabic script)"
    LATIN = "latn", "Latin"
    CYRILLIC = "cyrl", "Cyrillic"
    OTHER = "other", "Other"


class NameKind(models.TextChoices):
    ALIAS = "alias", "Alias"
    SPELLING = "spelling", "Other spelling"
    PREVIOUS = "previous", "Previous name"
    NOM_DE_GUERRE = "nom_de_guerre", "Nom de guerre / organisational name"


# ISO 639 codes of the languages met in the field; the label is what the interpreter roster uses.
LANGUAGES = [
    ("fa", "Persian (Farsi)"),
    ("ar", "Arabic"),
    ("ckb", "Kurdish (Sorani)"),
    ("kmr", "Kurdish (Kurmanji)"),
    ("az", "Azerbaijani"),
    ("bal", "Balochi"),
    ("lrc", "Luri"),
    ("glk", "Gilaki"),
    ("tk", "Turkmen"),
    ("prs", "Dari"),
    ("ps", "Pashto"),
    ("ur", "Urdu"),
    ("tr", "Turkish"),
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("ru", "Russian"),
    ("ti", "Tigrinya"),
    ("so", "Somali"),
    ("am", "Amharic"),
    ("es", "Spanish"),
    ("other", "Other"),
]
LANGUAGE_LABELS = dict(LANGUAGES)


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", "Passport"
    NATIONAL_ID = "national_id", "National identity card"
    BIRTH_CERTIFICATE = "birth_certificate", "Birth certificate"
    REFUGEE_ID = "refugee_id", "Refugee / asylum-seeker document"
    TRAVEL_DOCUMENT = "travel_document", "Convention travel document"
    DRIVING_LICENCE = "driving_licence", "Driving licence"
    OTHER = "other", "Other"


class RegistrationIssuer(models.TextChoices):
    UNHCR = "unhcr", "UNHCR"
    ICRC = "icrc", "ICRC"
    GOVERNMENT = "government", "Host government"
    CAMP = "camp", "Camp administration"
    IOM = "iom", "IOM"
    OTHER = "other", "Other"


class LegalStatusKind(models.TextChoices):
    ASYLUM_SEEKER = "asylum_seeker", "Asylum seeker (claim pending)"
    REFUGEE = "refugee", "Recognised refugee"
    PERSON_OF_CONCERN = "poc", "UNHCR person of concern"
    PROTECTED_PERSON = "gc4_art27", "Protected person (GC IV Art. 27)"
    STATELESS = "stateless", "Stateless person"
    EXCLUDED_1F = "excluded_1f", "Excluded under Art. 1F"
    OTHER = "other", "Other"


class Relationship(models.TextChoices):
    """How the relative stands to the person ("the relative is the person's …")."""

    SPOUSE = "spouse", "Spouse or partner"
    PARENT = "parent", "Parent"
    CHILD = "child", "Child"
    SIBLING = "sibling", "Sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    GRANDCHILD = "grandchild", "Grandchild"
    AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
    NIECE_NEPHEW = "niece_nephew", "Niece or nephew"
    COUSIN = "cousin", "Cousin"
    GUARDIAN = "guardian", "Legal guardian"
    WARD = "ward", "Ward (under guardianship)"
    HOUSEHOLD = "household", "Other household member"


INVERSE_RELATIONSHIP = {
    Relationship.SPOUSE: Relationship.SPOUSE,
    Relationship.PARENT: Relationship.CHILD,
    Relationship.CHILD: Relationship.PARENT,
    Relationship.SIBLING: Relationship.SIBLING,
    Relationship.GRANDPARENT: Relationship.GRANDCHILD,
    Relationship.GRANDCHILD: Relationship.GRANDPARENT,
    Relationship.AUNT_UNCLE: Relationship.NIECE_NEPHEW,
    Relationship.NIECE_NEPHEW: Relationship.AUNT_UNCLE,
    Relationship.COUSIN: Relationship.COUSIN,
    Relationship.GUARDIAN: Relationship.WARD,
    Relationship.WARD: Relationship.GUARDIAN,
    Relationship.HOUSEHOLD: Relationship.HOUSEHOLD,
}


class VulnerabilityKind(models.TextChoices):
    TORTURE_SURVIVOR = "torture_survivor", "Survivor of torture"
    MINOR = "minor", "Minor"
    UNACCOMPANIED_CHILD = "unaccompanied_child", "Unaccompanied or separated child"
    DISABILITY = "disability", "Disability"
    SERIOUS_ILLNESS = "serious_illness", "Serious medical condition"
    GBV = "gbv", "Survivor of gender-based violence"
    SOGI = "sogi", "Sexual orientation / gender identity at risk"
    TRAFFICKING = "trafficking", "Victim of trafficking"
    ELDERLY = "elderly", "Older person at risk"
    OTHER = "other", "Other"
