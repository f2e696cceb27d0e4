"""Public pages: open rounds and the eligibility check. No sign-in needed."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .. import selectors
from ..forms import EligibilityForm
from ..models import Round


@login_not_required
def round_list(request):
    return render(request, "applications/round_list.html", {"rounds": selectors.open_rounds()})


def _public_round(slug: str) -> Round:
    # Rounds not yet open are not public; closed ones stay visible so links in old emails still work.
    return get_object_or_404(
        Round.objects.select_related("budget__stream", "budget__year").prefetch_related(
            "areas", "ring_fences__line"
        ),
        slug=slug,
        opens_at__lte=timezone.now(),
    )


@login_not_required
def round_detail(request, slug):
    round_ = _public_round(slug)
    return render(request, "applications/round_detail.html", {"round": round_, "is_open": round_.is_open()})


@login_not_required
def eligibility(request, slug):
    round_ = _public_round(slug)
    form = EligibilityForm(request.POST if request.method == "POST" else None, round_=round_)
    if request.method == "POST" and form.is_valid():
        reasons = form.reasons_not_eligible()
        return render(
            request,
            "applications/eligibility_result.html",
            {"round": round_, "reasons": reasons, "is_open": round_.is_open()},
        )
    return render(request, "applications/eligibility.html", {"round": round_, "form": form})
