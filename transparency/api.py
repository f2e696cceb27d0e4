"""Read-only JSON API, version 1: open rounds, grants awarded and the decision register.

Plain Django views. Each reads from the same selectors and filter forms as the public pages, so the API shows exactly
what the pages show. The response shapes are described in openapi.py, and tests hold the two together."""

import json
import math
import re
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from applications.selectors import open_rounds
from funds.models import FinancialYear

from . import openapi, publication, selectors
from .forms import DecisionFilterForm, GrantFilterForm
from .responses import public_response

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
PAGING_PARAMS = {"page", "page_size"}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _json(data, status: int = 200) -> JsonResponse:
    # Non-ASCII names (Cymraeg, accents) are sent as they are, not as \u escapes.
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def api_view(*, params: set[str]):
    """Open to anyone, GET or HEAD only, JSON errors, and the version on every response. `params` is what the
    endpoint accepts besides paging; anything else is refused so a misspelt filter is not silently ignored."""

    def decorate(view):
        # No session or form is involved and nothing is ever changed, so there is nothing for CSRF to protect; without
        # this a POST would get the HTML 403 page instead of the API's JSON 405.
        @csrf_exempt
        @login_not_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in ("GET", "HEAD"):
                    raise ApiError(405, f"{request.method} is not allowed: this API is read-only. Use GET")
                unknown = sorted(set(request.GET) - params - PAGING_PARAMS)
                if unknown:
                    accepted = ", ".join(sorted(params | PAGING_PARAMS))
                    raise ApiError(400, f'Unknown parameter "{unknown[0]}". This endpoint takes: {accepted}')
                response = view(request, *args, **kwargs)
            except ApiError as exc:
                response = _json({"error": str(exc)}, status=exc.status)
                if exc.status == 405:
                    response["Allow"] = "GET, HEAD"
            response["API-Version"] = openapi.VERSION
            # Open data: any web page may read it. Nothing here depends on who is asking.
            response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate


def _whole_number(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    limit = f"from 1 to {maximum}" if maximum else "from 1"
    # "10.0" is a whole number too: JSON Schema's integer type (the OpenAPI document's) counts it as one.
    whole = re.fullmatch(r"([0-9]{1,9})(?:\.0+)?", raw)
    if whole is None or int(whole[1]) < 1 or (maximum and int(whole[1]) > maximum):
        raise ApiError(400, f'{name}: Enter a whole number {limit}, not "{raw}"')
    return int(whole[1])


def _paginated(request, queryset, serialise, *, count: int | None = None) -> JsonResponse:
    number = _whole_number(request, "page", 1)
    size = _whole_number(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = queryset.count() if count is None else count
    pages = max(1, math.ceil(count / size))
    if number > pages:
        raise ApiError(
            404,
            f"Page {number} does not exist: there {'is' if pages == 1 else 'are'} {pages} "
            f"page{'' if pages == 1 else 's'} of {size}",
        )
    items = queryset[(number - 1) * size : number * size]

    def link(to: int) -> str:
        query = request.GET.copy()
        if to == 1:
            query.pop("page", None)
        else:
            query["page"] = str(to)
        return request.build_absolute_uri(request.path + (f"?{query.urlencode()}" if query else ""))

    return _json(
        {
            "count": count,
            "next": link(number + 1) if number < pages else None,
            "previous": link(number - 1) if number > 1 else None,
            "results": [serialise(request, item) for item in items],
        }
    )


def _filters(form_class, request):
    form = form_class(request.GET)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ApiError(400, f"{field}: {errors[0]}")
    return form.cleaned_data


def _money(amount) -> str:
    return f"{amount:.2f}"


def _round(request, round_) -> dict:
    return {
        "name": round_.name,
        "slug": round_.slug,
        "summary": round_.summary,
        "stream": {"slug": round_.budget.stream.slug, "name": round_.budget.stream.name},
        "financial_year": round_.budget.year.label(),
        "opens_at": timezone.localtime(round_.opens_at).isoformat(),
        "closes_at": timezone.localtime(round_.closes_at).isoformat(),
        "minimum_grant": _money(round_.minimum_grant),
        "maximum_grant": _money(round_.maximum_grant),
        "currency": "GBP",
        "open_call": round_.open_call,
        "areas": [{"id": a.pk, "name": a.name} for a in round_.areas.all()],
        "url": request.build_absolute_uri(reverse("applications:round", args=[round_.slug])),
    }


def _grant(request, row: dict) -> dict:
    return {
        "reference": row["reference"],
        "recipient": row["recipient"],
        "project_title": row["project_title"],
        "area": {"id": row["area_id"], "name": row["area"]} if row["area_id"] else None,
        "stream": {"slug": row["stream_slug"], "name": row["stream"]},
        "round": {"slug": row["round_slug"], "name": row["round"]},
        "financial_year": FinancialYear(start_year=row["year_start"]).label(),
        "amount": _money(row["amount"]),
        "currency": "GBP",
        "award_date": row["award_date"].isoformat() if row["award_date"] else None,
    }


def _decision(request, decision) -> dict:
    # Only through public_view: a confidential decision's title and summary never reach this function's output.
    view = selectors.public_view(decision)
    return {
        "number": view["number"],
        "decided_on": view["decided_on"].isoformat() if view["decided_on"] else None,
        "confidentiality": view["level"],
        "confidentiality_label": view["confidentiality"],
        "description": view["description"],
        "statement": view["statement"],
        "title": view.get("title"),
        "summary": view.get("summary"),
        "budgets": view.get("budgets"),
        "url": request.build_absolute_uri(reverse("transparency:decision", args=[view["number"]])),
    }


@api_view(params=set())
@public_response(html=False, clock=True)
def rounds(request):
    now = timezone.now()
    # Only the areas are shown, so only they are fetched (open_rounds also prefetches ring-fences for its pages).
    response = _paginated(request, open_rounds(now).prefetch_related(None).prefetch_related("areas"), _round)
    # The list changes when a round opens or closes, with nothing published: keep it no longer than that.
    next_change = selectors.next_round_change(now)
    if next_change is not None:
        response.keep_for = max(0, math.floor((next_change - now).total_seconds()))
    return response


@api_view(params={"year", "area", "stream"})
@public_response(html=False)
def grants(request):
    filters = {k: v for k, v in _filters(GrantFilterForm, request).items() if v is not None}
    facets = publication.remember(request.publication_version, "grant-facets", (), selectors.grant_facets)
    rows = selectors.GrantRows(facets, **filters)
    return _paginated(request, rows, _grant, count=len(rows))


@api_view(params={"year"})
@public_response(html=False)
def decisions(request):
    year = _filters(DecisionFilterForm, request)["year"]
    made = selectors.with_public_budgets(selectors.published_decisions())
    if year is not None:
        made = selectors.decisions_in_year(made, year)
    return _paginated(request, made, _decision)


@api_view(params=set())
@public_response(html=False)
def openapi_json(request):
    return _json(openapi.document())


@login_not_required
@require_safe
@public_response()
def docs(request):
    """The human page: endpoints, parameters and examples, read from the OpenAPI document itself."""
    document = openapi.document()
    parameters = document["components"]["parameters"]
    base = request.build_absolute_uri("/api/v1")
    endpoints = []
    for path, item in document["paths"].items():
        operation = item["get"]
        example = operation["responses"]["200"]["content"]["application/json"]["example"]
        endpoints.append(
            {
                "path": f"/api/v1{path}",
                "url": f"{base}{path}",
                "summary": operation["summary"],
                "description": operation["description"],
                "parameters": [parameters[p["$ref"].rsplit("/", 1)[1]] for p in operation["parameters"]],
                "example": json.dumps(example, indent=2, ensure_ascii=False),
            }
        )
    return render(
        request,
        "transparency/api.html",
        {
            "endpoints": endpoints,
            "info": document["info"],
            "openapi_url": request.build_absolute_uri(reverse("transparency:api_openapi")),
            "grants_example_url": f"{base}/grants/?year=2024-25&page_size=2",
            "max_page_size": MAX_PAGE_SIZE,
            "default_page_size": DEFAULT_PAGE_SIZE,
            "error_example": json.dumps(
                {"error": 'page_size: Enter a whole number from 1 to 200, not "500"'}, indent=2
            ),
        },
    )
