from decimal import Decimal

import factory

from accounts.models import User
from funds.models import (
    Area,
    Budget,
    BudgetEntry,
    BudgetLine,
    FinancialYear,
    FundingSource,
    FundingStream,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")


class FinancialYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialYear
        django_get_or_create = ("start_year",)

    start_year = 2024


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")
    kind = Area.Kind.LOCAL_POLICING_AREA


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource
        django_get_or_create = ("name",)

    name = "Proceeds of Crime Act"
    kind = FundingSource.Kind.PROCEEDS_OF_CRIME


class FundingStreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingStream

    name = factory.Sequence(lambda n: f"Stream {n}")
    slug = factory.Sequence(lambda n: f"stream-{n}")
    source = factory.SubFactory(FundingSourceFactory)
    area_kind = Area.Kind.LOCAL_POLICING_AREA


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget
        skip_postgeneration_save = True

    stream = factory.SubFactory(FundingStreamFactory)
    year = factory.SubFactory(FinancialYearFactory)

    @factory.post_generation
    def pot(self, create, extracted, **kwargs):
        if extracted is not None:
            BudgetEntry.objects.create(
                budget=self, kind=BudgetEntry.Kind.ALLOCATION, amount=Decimal(extracted)
            )


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    budget = factory.SubFactory(BudgetFactory, pot=Decimal("100000"))
    kind = BudgetLine.Kind.PRIORITY
    name = factory.Sequence(lambda n: f"Line {n}")
    amount = Decimal("10000.00")
