from django.shortcuts import get_object_or_404, render

from accounts.permissions import permission_required

from . import selectors
from .models import Budget


@permission_required("funds.view_budget")
def budget_detail(request, pk: int):
    budget = get_object_or_404(
        selectors.with_budget_totals(Budget.objects.select_related("stream", "year")), pk=pk
    )
    lines = selectors.with_line_totals(budget.lines.select_related("section", "area")).order_by(
        "section__order", "order", "pk"
    )
    return render(request, "funds/budget_detail.html", {"budget": budget, "lines": lines})
