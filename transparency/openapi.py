"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json and read by the human page at /api/.

Tests check every response the API gives against the schemas here, and the examples here against the same schemas,
so this document and the API cannot drift apart."""

import copy

from funds.models import Area, FinancialYear, FundingStream

VERSION = "1"

MONEY = {
    "type": "string",
    "pattern": r"^\d+\.\d{2}$",
    "description": "Pounds sterling as a decimal string with two decimal places, never a floating-point number",
    "examples": ["1500.00"],
}
YEAR = {
    "type": "string",
    "pattern": r"^\d{4}/\d{2}$",
    "description": "Financial year, 1 April to 31 March",
    "examples": ["2024/25"],
}
ABSOLUTE_URL = {"type": "string", "format": "uri"}
# What a query parameter may also be: left empty, as a filter form sends "All years", means not given.
EMPTY = {"type": "string", "const": ""}
# The API refuses a page number longer than this (api._whole_number), so the document says so too.
MAX_PAGE = 999_999_999


def _year_label_pattern() -> str:
    """Exactly the labels FinancialYear.start_year_from_label reads: 2024/25, 2024-25 or 24-25, the second year
    following the first, from the first year it covers to the last. A regular expression cannot add one to a year,
    so each year is spelt out."""
    pairs = [
        (f"{y % 100:02d}", f"{(y + 1) % 100:02d}")
        for y in range(FinancialYear.FIRST_START_YEAR, FinancialYear.LAST_START_YEAR + 1)
    ]
    century = FinancialYear.FIRST_START_YEAR // 100
    assert century == FinancialYear.LAST_START_YEAR // 100, "the two-digit style needs one century"
    return (
        f"^(?:(?:{century})?(?:{'|'.join(f'{a}-{b}' for a, b in pairs)})"
        f"|{century}(?:{'|'.join(f'{a}/{b}' for a, b in pairs)}))?$"
    )


def _object(properties: dict, *, required: list | None = None, description: str = "") -> dict:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": required if required is not None else list(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _page_of(ref: str) -> dict:
    link = {
        "type": ["string", "null"],
        "format": "uri",
        "description": "Absolute URL of the next or previous page with the same filters, or null",
    }
    return _object(
        {
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "How many results there are on all pages",
            },
            "next": link,
            "previous": link,
            "results": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        }
    )


NAMED = _object({"slug": {"type": "string"}, "name": {"type": "string"}})
AREA = _object(
    {"id": {"type": "integer", "description": "Use as the `area` filter"}, "name": {"type": "string"}}
)

ROUND_EXAMPLE = {
    "name": "Helping Communities Fund 2025/26",
    "slug": "helping-communities-fund-2025-26",
    "summary": "Grants of £500 to £10,000 for community projects that keep people safe.",
    "stream": {"slug": "helping-communities-fund", "name": "Helping Communities Fund"},
    "financial_year": "2025/26",
    "opens_at": "2025-01-06T09:00:00+00:00",
    "closes_at": "2025-02-14T12:00:00+00:00",
    "minimum_grant": "500.00",
    "maximum_grant": "10000.00",
    "currency": "GBP",
    "open_call": True,
    "areas": [{"id": 12, "name": "Coventry"}, {"id": 14, "name": "Dudley"}],
    "url": "https://grants.example.org/rounds/helping-communities-fund-2025-26/",
}
GRANT_EXAMPLE = {
    "reference": "HCF-2425-00042",
    "recipient": "Friends of Stoney Stanton Road Park",
    "project_title": "Safer walks home",
    "area": {"id": 12, "name": "Coventry"},
    "stream": {"slug": "helping-communities-fund", "name": "Helping Communities Fund"},
    "round": {"slug": "helping-communities-fund-2024-25", "name": "Helping Communities Fund 2024/25"},
    "financial_year": "2024/25",
    "amount": "1500.00",
    "currency": "GBP",
    "award_date": "2024-07-15",
}
PUBLIC_DECISION_EXAMPLE = {
    "number": "017-2020",
    "decided_on": "2020-03-24",
    "confidentiality": "public",
    "confidentiality_label": "Public",
    "description": "External Commissioning and Active Citizens Budget 2020/21",
    "statement": "",
    "title": "External Commissioning and Active Citizens Budget 2020/21",
    "summary": "",
    "budgets": [],
    "url": "https://grants.example.org/decisions/017-2020/",
}
CONFIDENTIAL_DECISION_EXAMPLE = {
    "number": "012-2020",
    "decided_on": "2020-02-13",
    "confidentiality": "confidential",
    "confidentiality_label": "Confidential",
    "description": "the forfeiture of a police pension",
    "statement": "is a confidential decision relating to the forfeiture of a police pension",
    "title": None,
    "summary": None,
    "budgets": None,
    "url": "https://grants.example.org/decisions/012-2020/",
}


def _example_page(item: dict, path: str) -> dict:
    return {
        "count": 120,
        "next": f"https://grants.example.org/api/v1{path}?page=3",
        "previous": f"https://grants.example.org/api/v1{path}",
        "results": [item],
    }


def _response(ref: str, example: dict) -> dict:
    return {
        "description": "A page of results",
        "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}, "example": example}
        },
    }


def _error(description: str, example: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": example},
            }
        },
    }


ERRORS = {
    "400": _error(
        "A parameter is not valid; the message says which and how to fix it",
        'page_size: Enter a whole number from 1 to 200, not "500"',
    ),
    "404": _error("The page number is past the last page", "Page 9 does not exist: there are 3 pages"),
    "405": _error(
        "Anything but GET or HEAD: the API is read-only",
        "POST is not allowed: this API is read-only. Use GET",
    ),
}
PAGING = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/page_size"}]

DOCUMENT = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "PCC Grants open data API",
        "version": VERSION,
        "summary": "Open funding rounds, grants awarded and the PCC decision register, read-only.",
        "description": (
            "Read-only JSON, free to use without a key. Every list is paginated and every response carries an "
            "`API-Version` header. Money is a decimal string in pounds with two decimal places. Version 1 only ever "
            "gains fields: none is removed, renamed or changes meaning. A breaking change would come as /api/v2/, "
            "and v1 would keep working for at least 12 months after that, with `Deprecation` and `Sunset` headers "
            "on its responses."
        ),
        "license": {
            "name": "Open Government Licence v3.0",
            "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        },
    },
    "servers": [{"url": "/api/v1", "description": "This service"}],
    "paths": {
        "/rounds/": {
            "get": {
                "operationId": "listOpenRounds",
                "summary": "Open funding rounds",
                "description": "Rounds taking applications now, closing soonest first.",
                "parameters": PAGING,
                "responses": {
                    "200": _response("RoundPage", _example_page(ROUND_EXAMPLE, "/rounds/")),
                    **ERRORS,
                },
            }
        },
        "/grants/": {
            "get": {
                "operationId": "listGrants",
                "summary": "Grants awarded",
                "description": "Grants finance has approved, by financial year then reference. Only what is published: "
                "recipient, project, area, stream, round, amount and award date.",
                "parameters": [
                    {"$ref": "#/components/parameters/year"},
                    {"$ref": "#/components/parameters/area"},
                    {"$ref": "#/components/parameters/stream"},
                    *PAGING,
                ],
                "responses": {
                    "200": _response("GrantPage", _example_page(GRANT_EXAMPLE, "/grants/")),
                    **ERRORS,
                },
            }
        },
        "/decisions/": {
            "get": {
                "operationId": "listDecisions",
                "summary": "PCC decision register",
                "description": "Decisions the PCC has made, newest first. A confidential or commercially confidential "
                "decision gives only its number, date and one-line public description; its title, "
                "summary and budgets are null.",
                "parameters": [{"$ref": "#/components/parameters/decision_year"}, *PAGING],
                "responses": {
                    "200": _response(
                        "DecisionPage",
                        {
                            **_example_page(PUBLIC_DECISION_EXAMPLE, "/decisions/"),
                            "results": [PUBLIC_DECISION_EXAMPLE, CONFIDENTIAL_DECISION_EXAMPLE],
                        },
                    ),
                    **ERRORS,
                },
            }
        },
    },
    "components": {
        "headers": {
            "API-Version": {
                "description": "The API version that answered",
                "schema": {"type": "string", "const": VERSION},
            },
        },
        "parameters": {
            "page": {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Which page, from 1. A page past the last gives 404",
                "schema": {
                    "anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, EMPTY],
                    "default": 1,
                },
                "example": 2,
            },
            "page_size": {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": "Results per page, up to 200",
                "schema": {
                    "anyOf": [{"type": "integer", "minimum": 1, "maximum": 200}, EMPTY],
                    "default": 50,
                },
                "example": 100,
            },
            "year": {
                "name": "year",
                "in": "query",
                "required": False,
                "description": "Financial year the grant was awarded from, written 2024/25, 2024-25 or 24-25",
                "schema": {"type": "string", "pattern": _year_label_pattern()},
                "example": "2024-25",
            },
            "decision_year": {
                "name": "year",
                "in": "query",
                "required": False,
                "description": "Decisions taken in this financial year (1 April to 31 March), "
                "written 2024/25, 2024-25 or 24-25",
                "schema": {"type": "string", "pattern": _year_label_pattern()},
                "example": "2019-20",
            },
            # document() lists the ids and slugs that exist: any other is refused with a 400.
            "area": {
                "name": "area",
                "in": "query",
                "required": False,
                "description": "An area's id, as in each grant's `area.id`",
                "schema": {"anyOf": [{"type": "integer"}, EMPTY]},
                "example": 12,
            },
            "stream": {
                "name": "stream",
                "in": "query",
                "required": False,
                "description": "A funding stream's slug, as in each grant's `stream.slug`",
                "schema": {"type": "string"},
                "example": "helping-communities-fund",
            },
        },
        "schemas": {
            "Money": MONEY,
            "Named": NAMED,
            "Area": AREA,
            "Round": _object(
                {
                    "name": {"type": "string"},
                    "slug": {"type": "string"},
                    "summary": {"type": "string"},
                    "stream": {"$ref": "#/components/schemas/Named"},
                    "financial_year": YEAR,
                    "opens_at": {"type": "string", "format": "date-time"},
                    "closes_at": {"type": "string", "format": "date-time"},
                    "minimum_grant": {"$ref": "#/components/schemas/Money"},
                    "maximum_grant": {"$ref": "#/components/schemas/Money"},
                    "currency": {"const": "GBP"},
                    "open_call": {
                        "type": "boolean",
                        "description": "Any eligible organisation may apply; false when "
                        "the round is open to invited applicants only",
                    },
                    "areas": {"type": "array", "items": {"$ref": "#/components/schemas/Area"}},
                    "url": {**ABSOLUTE_URL, "description": "The round's page, with how to apply"},
                },
                description="A funding round open for applications",
            ),
            "Grant": _object(
                {
                    "reference": {"type": "string", "description": "The application's reference, unique"},
                    "recipient": {"type": "string", "description": "The organisation awarded the grant"},
                    "project_title": {"type": "string"},
                    "area": _nullable({"$ref": "#/components/schemas/Area"}),
                    "stream": {"$ref": "#/components/schemas/Named"},
                    "round": {"$ref": "#/components/schemas/Named"},
                    "financial_year": YEAR,
                    "amount": {"$ref": "#/components/schemas/Money"},
                    "currency": {"const": "GBP"},
                    "award_date": {
                        "type": ["string", "null"],
                        "format": "date",
                        "description": "When finance approved the grant",
                    },
                },
                description="A grant awarded",
            ),
            "Decision": _object(
                {
                    "number": {"type": "string", "description": 'As printed, e.g. "017-2020" or "024/2019"'},
                    "decided_on": {"type": ["string", "null"], "format": "date"},
                    "confidentiality": {"enum": ["public", "confidential", "commercial"]},
                    "confidentiality_label": {"type": "string"},
                    "description": {"type": "string", "description": "One line anyone may read"},
                    "statement": {
                        "type": "string",
                        "description": "For a confidential decision the register's "
                        'wording, "is a confidential decision relating to …"; empty for a public one',
                    },
                    "title": {"type": ["string", "null"], "description": "Null for a confidential decision"},
                    "summary": {
                        "type": ["string", "null"],
                        "description": "Null for a confidential decision",
                    },
                    "budgets": _nullable(
                        {
                            "type": "array",
                            "items": _object(
                                {
                                    "stream": {"type": "string"},
                                    "stream_slug": {"type": "string"},
                                    "year": YEAR,
                                }
                            ),
                        }
                    ),
                    "url": {**ABSOLUTE_URL, "description": "The decision's page"},
                },
                description="An entry in the PCC decision register",
            ),
            "RoundPage": _page_of("Round"),
            "GrantPage": _page_of("Grant"),
            "DecisionPage": _page_of("Decision"),
            "Error": _object({"error": {"type": "string", "description": "What is wrong and how to fix it"}}),
        },
    },
}


def document() -> dict:
    """A fresh copy, so no caller can change what the next one is served, listing the areas and funding streams
    that exist now: the filters accept those and no others, and the document says so."""
    doc = copy.deepcopy(DOCUMENT)
    parameters = doc["components"]["parameters"]
    area_ids = sorted(Area.objects.values_list("pk", flat=True))
    slugs = sorted(FundingStream.objects.values_list("slug", flat=True))
    parameters["area"]["schema"] = (
        {"anyOf": [{"type": "integer", "enum": area_ids}, EMPTY]} if area_ids else EMPTY
    )
    parameters["stream"]["schema"] = {"type": "string", "enum": ["", *slugs]}
    # An example must be a value the API accepts.
    parameters["area"]["example"] = area_ids[0] if area_ids else ""
    parameters["stream"]["example"] = slugs[0] if slugs else ""
    return doc
