"""Organisations the office commissions, the people who act for them, and the services (contracts) they run."""

from django.conf import settings
from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 12, "decimal_places": 2}


class Provider(models.Model):
    """An organisation that runs commissioned services. It may be known by other names (see ProviderAlias)."""

    name = models.CharField(max_length=200, unique=True)
    charity_number = models.CharField(max_length=20, blank=True)
    company_number = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(
        blank=True, help_text="Receives return reminders as well as the provider's users"
    )
    supplier_reference = models.CharField(
        max_length=40, blank=True, help_text="The provider's supplier number in the finance system"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderAlias(models.Model):
    """Another name a provider goes by, so "BCWA" finds Black Country Women's Aid."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "provider aliases"

    def __str__(self) -> str:
        return self.name


class ProviderMembership(models.Model):
    """A person who acts for a provider. Signatories sign returns off; nobody signs off a return they prepared."""

    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", "Prepares returns"
        SIGNATORY = "signatory", "Prepares and signs off returns"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="one_membership_per_provider_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.provider})"


class Service(models.Model):
    """A commissioned service: one contract with one provider, funded from one or more budget lines, over years."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RECOMMISSIONING = "recommissioning", "Being recommissioned"
        ENDED = "ended", "Ended"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=250)
    theme = models.CharField(max_length=120, help_text="Priority area or theme, e.g. Domestic Abuse (DA)")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    start_year = models.ForeignKey("funds.FinancialYear", on_delete=models.PROTECT, related_name="+")
    end_year = models.ForeignKey("funds.FinancialYear", on_delete=models.PROTECT, related_name="+")
    areas = models.ManyToManyField(
        "funds.Area",
        blank=True,
        related_name="services",
        help_text="Where the service works; none means force-wide",
    )
    contract_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_services",
        help_text="The OPCC officer who is told when a return is overdue",
    )
    template = models.ForeignKey(
        "MonitoringTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text="What the service reports each period",
    )
    illustrative = models.BooleanField(
        default=False, help_text="Invented for the demo, not a published figure"
    )

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="unique_service_name_per_provider")
        ]
        permissions = [("fund_service", "Can commit budget to a commissioned service and release it")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class ServiceFunding(models.Model):
    """Money a budget line gives a service for the line's year. Its commitment makes budget control count it."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="fundings")
    line = models.ForeignKey("funds.BudgetLine", on_delete=models.PROTECT, related_name="service_fundings")
    amount = models.DecimalField(**MONEY)
    commitment = models.OneToOneField(
        "funds.Commitment", on_delete=models.PROTECT, related_name="service_funding"
    )

    class Meta:
        ordering = ["service", "line__budget__year__start_year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "line"], name="one_funding_per_service_and_line"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="service_funding_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service.name}: {self.amount} from {self.line}"


class PaymentScheduleItem(models.Model):
    """An instalment of a service's funding, due on a date. `payment` is set when finance pays it (providers.services)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="payment_schedule")
    funding = models.ForeignKey(
        ServiceFunding,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedule",
        help_text="The funding (and so the budget line) this instalment is paid from",
    )
    due_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    note = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(
        "funds.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="scheduled_payment_positive")]

    def __str__(self) -> str:
        return f"{self.amount} due on {self.due_on}"


class ServiceDocument(models.Model):
    """A contract, specification or variation. Private: downloaded only through a view that checks who asks."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="providers/documents/%Y/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title
