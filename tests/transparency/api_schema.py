"""Check API responses against the schemas in the served OpenAPI document, so the documentation cannot drift."""

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from transparency import openapi

BASE = "urn:pcc-grants:openapi-v1"


def _registry(document: dict) -> Registry:
    return Registry().with_resource(BASE, Resource(contents=document, specification=DRAFT202012))


def validator(pointer: str, document: dict | None = None) -> Draft202012Validator:
    """A validator for the schema at a JSON pointer in the document, e.g. "#/components/schemas/Grant"."""
    document = document or openapi.document()
    return Draft202012Validator(
        {"$ref": f"{BASE}{pointer}"}, registry=_registry(document), format_checker=FormatChecker()
    )


def response_pointer(document: dict, api_path: str, status: int) -> str:
    """Where the schema for this path's response with this status is: it must be documented, or the test fails."""
    operation = document["paths"][api_path]["get"]
    assert str(status) in operation["responses"], f"{api_path} answered {status}, which is not documented"
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]


def assert_matches_document(response, api_path: str) -> None:
    document = openapi.document()
    errors = list(
        validator(response_pointer(document, api_path, response.status_code), document).iter_errors(
            response.json()
        )
    )
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
