from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Budget


@staff_member_required
def budget_detail(request, pk: int):
    budget = get_object_or_404(
        selectors.with_budget_totals(Budget.objects.select_related("stream", "year")), pk=pk
    )
    lines = selectors.with_line_totals(budget.lines.select_related("section", "area")).order_by(
        "section__order", "order", "pk"
    )
    return render(request, "funds/budget_detail.html", {"budget": budget, "lines": lines})
