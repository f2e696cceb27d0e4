"""What the needs pages send back, for tests that post them."""


def page_data(assessment) -> dict:
    """What the assessment page sends back unchanged."""
    indicators = list(assessment.indicators.prefetch_related("values"))
    data = {
        "indicators-TOTAL_FORMS": str(len(indicators) + 1),
        "indicators-INITIAL_FORMS": str(len(indicators)),
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "pot": f"{assessment.pot:f}",
        "action": "save",
    }
    for n, i in enumerate(indicators):
        data.update(
            {
                f"indicators-{n}-id": str(i.pk),
                f"indicators-{n}-name": i.name,
                f"indicators-{n}-weight": str(i.weight),
                f"indicators-{n}-source": i.source,
                f"indicators-{n}-measure_code": i.measure_code,
            }
        )
        for v in i.values.all():
            data[f"v_{i.pk}_{v.area_id}"] = str(v.value)
    data[f"indicators-{len(indicators)}-source"] = "entered"
    for c in assessment.current_allocations.all():
        data[f"c_{c.area_id}"] = str(c.amount)
    return data
