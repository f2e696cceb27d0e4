"""The official 360Giving schemas, checked offline: the package schema refers to the grant schema by URL, so the copy
in transparency/giving360/standard is registered under that URL instead of being fetched."""

import json
from functools import cache

import referencing
import referencing.jsonschema
from jsonschema import Draft202012Validator

from transparency.giving360 import STANDARD


def _load(name: str) -> dict:
    return json.loads((STANDARD / name).read_text())


@cache
def package_validator() -> Draft202012Validator:
    package_schema, grant_schema = _load("360-giving-package-schema.json"), _load("360-giving-schema.json")
    # Both schemas say "http://json-schema.org/draft/2020-12/schema", which referencing does not recognise; name the
    # draft explicitly.
    draft = referencing.jsonschema.DRAFT202012
    grant = referencing.Resource(contents=grant_schema, specification=draft)
    registry = referencing.Registry().with_resources(
        [(package_schema["properties"]["grants"]["items"]["$ref"], grant), (grant_schema["$id"], grant)]
    )
    # Without a live date-time format check, a plain YYYY-MM-DD date matches both branches of the schema's oneOf and
    # fails; rfc3339-validator makes the check real.
    return Draft202012Validator(
        package_schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def errors(package: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in package_validator().iter_errors(package)
    ]


def grant_schema() -> dict:
    return _load("360-giving-schema.json")
