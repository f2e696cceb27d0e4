"""On a deployment that already has the victims' services template: add the two measures the 2022/23 report prints
(victims who had reported to the police, referrals to mental health services) and make the cope-and-recover
percentage recomputed from its counts. Other templates are not touched; a deployment without the template gets it,
whole, from providers.ready_templates.install()."""

from django.db import migrations

VICTIMS_SERVICES = "victims-services"  # providers.ready_templates.VICTIMS_SERVICES, frozen here

# (code, label, hint, the measure it follows)
NEW_MEASURES = [
    (
        "reported_to_police",
        "Victims who had reported the crime to the police",
        "Before or during support",
        "referrals_received",
    ),
    (
        "mental_health_referrals",
        "Referrals to mental health services",
        "Because of the crime, including self-referrals",
        "onward_referrals",
    ),
]
RECOMPUTED = {"cope_and_recover_pct": ("cope_and_recover", "cases_closed")}


def add_measures(apps, schema_editor):
    MonitoringTemplate = apps.get_model("providers", "MonitoringTemplate")
    Measure = apps.get_model("providers", "Measure")
    template = MonitoringTemplate.objects.filter(slug=VICTIMS_SERVICES).first()
    if template is None:
        return
    for code, label, hint, after in NEW_MEASURES:
        if Measure.objects.filter(template=template, code=code).exists():
            continue
        before = Measure.objects.filter(template=template, code=after).first()
        if before is None:
            order = (
                max(Measure.objects.filter(template=template).values_list("order", flat=True), default=0)
            ) + 1
        else:
            order = before.order + 1
            for later in Measure.objects.filter(template=template, order__gte=order):
                later.order += 1
                later.save(update_fields=["order"])
        Measure.objects.create(
            template=template, code=code, label=label, kind="count", hint=hint, required=True, order=order
        )
    for code, (top, bottom) in RECOMPUTED.items():
        parts = {m.code: m for m in Measure.objects.filter(template=template, code__in=[code, top, bottom])}
        if len(parts) == 3 and parts[code].kind == "percentage":
            Measure.objects.filter(pk=parts[code].pk).update(
                numerator=parts[top], denominator=parts[bottom], weighted_by=None
            )


class Migration(migrations.Migration):
    dependencies = [("providers", "0006_measure_kinds_and_parts")]

    operations = [migrations.RunPython(add_measures, migrations.RunPython.noop)]
