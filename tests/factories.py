"""factory_boy factories. Data is fictional; records that carry rules are made through the services."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from people import choices, models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = "Fictional"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == roles.ADMINISTRATOR:
                self.is_staff = True
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class CampFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Camp

    name = factory.Sequence(lambda n: f"Fictional Camp {n}")
    country = "IQ"
    region = "Diyala"
    capacity = 100


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Fictional Organisation {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    full_name_latin = factory.Sequence(lambda n: f"Fictional Person {n:04d}")
    full_name_original = "شخص خیالی"
    original_script = choices.Script.PERSIAN
    sex = choices.Sex.FEMALE
    birth_date = datetime.date(1980, 1, 1)
    birth_date_precision = choices.DatePrecision.YEAR
    nationality = "IR"
    owning_team = factory.SubFactory(TeamFactory)


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Residence

    person = factory.SubFactory(PersonFactory)
    camp = factory.SubFactory(CampFactory)
    started_on = datetime.date(2010, 1, 1)


class LegalStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.LegalStatus

    person = factory.SubFactory(PersonFactory)
    kind = choices.LegalStatusKind.PROTECTED_PERSON
    started_on = datetime.date(2004, 7, 2)
