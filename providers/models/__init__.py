"""Providers, their commissioned services and the monitoring returns they make, split by what each module holds."""

from .claims import Claim
from .contracts import (
    PaymentScheduleItem,
    Provider,
    ProviderAlias,
    ProviderMembership,
    Service,
    ServiceDocument,
    ServiceFunding,
)
from .monitoring import Breakdown, BreakdownOption, Measure, MonitoringTemplate, ReportingPeriod
from .returns import MonitoringReturn, Reminder, ReturnBreakdownValue, ReturnValue

__all__ = [
    "Breakdown",
    "BreakdownOption",
    "Claim",
    "Measure",
    "MonitoringReturn",
    "MonitoringTemplate",
    "PaymentScheduleItem",
    "Provider",
    "ProviderAlias",
    "ProviderMembership",
    "Reminder",
    "ReportingPeriod",
    "ReturnBreakdownValue",
    "ReturnValue",
    "Service",
    "ServiceDocument",
    "ServiceFunding",
]
