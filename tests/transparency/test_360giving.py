"""The 360Giving export of the demo year, checked against the official schema, and read back from its spreadsheet forms."""

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from applications.models import Award, Organisation
from applications.services import approve_award
from funds.models import Office
from tests.factories import UserFactory
from transparency import giving360
from transparency.exports import build, read_csv, read_xlsx
from transparency.giving360.columns import COLUMNS, TITLES

from .schema import errors, grant_schema

pytestmark = pytest.mark.django_db

PUBLISHED = json.loads(
    (Path(__file__).parents[2] / "funds" / "demo_data" / "west_midlands_2024_25.json").read_text()
)
TABLE_4 = next(t for t in PUBLISHED["tables"] if t["title"].startswith("Table 4."))
# Table 4's area rows: money shared between the local policing areas, and how many projects each funded.
TABLE_4_AREAS = {
    r["label"]: (r["projects"], Decimal(r["amount"]))
    for r in TABLE_4["rows"]
    if r["label"] in PUBLISHED["local_policing_areas"]
}


@pytest.fixture
def demo(demo_grants):
    return giving360.Selection.from_labels("2024/25")


def export(selection, fmt) -> bytes:
    return build(selection, fmt)[1]


def package_from(items, selection) -> dict:
    return giving360.package(items, office=Office.objects.get(), selection=selection)


def test_the_demo_year_is_a_valid_360giving_package_of_table_4_s_52_grants(demo):
    package = json.loads(export(demo, "json"))
    assert errors(package) == []
    grants = package["grants"]
    assert len(grants) == sum(count for count, _ in TABLE_4_AREAS.values()) == 52
    by_area = defaultdict(lambda: [0, Decimal(0)])
    for grant in grants:
        area = by_area[grant["beneficiaryLocation"][0]["name"]]
        area[0] += 1
        area[1] += Decimal(str(grant["amountAwarded"]))
    assert {name: tuple(v) for name, v in by_area.items()} == TABLE_4_AREAS
    assert package["publisher"] == {
        "name": "Office of the West Midlands Police and Crime Commissioner",
        "identifier": "GB-GOR-wmopcc-demo",
    }
    assert package["version"] == "1.4" and package["license"].startswith("https://")


def test_a_demo_grant_carries_the_round_the_area_s_ons_code_and_the_award_date(demo):
    grant = next(
        g for g in json.loads(export(demo, "json"))["grants"] if g["id"] == "360G-wmopcc-demo-HCF-2425-00001"
    )
    award = Award.objects.get(application__reference="HCF-2425-00001")
    assert grant["awardDate"] == award.approved_at.date().isoformat()
    assert grant["beneficiaryLocation"] == [
        {"name": "Birmingham", "countryCode": "GB", "geoCode": "E08000025", "geoCodeType": "MD"}
    ]
    assert grant["grantProgramme"] == [
        {"code": "helping-communities-fund-2024-25", "title": "Helping Communities Fund 2024/25"}
    ]
    assert grant["plannedDates"] == [{"startDate": "2024-04-01", "endDate": "2025-03-31"}]
    assert grant["fromOpenCall"] == "Yes"
    assert grant["fundingOrganization"] == [
        {"id": "GB-GOR-wmopcc-demo", "name": "Office of the West Midlands Police and Crime Commissioner"}
    ]
    assert Decimal(str(grant["amountAwarded"])) == award.amount


def test_json_built_from_the_xlsx_is_valid_and_holds_the_same_grants(demo):
    original = giving360.grants(demo)
    from_xlsx = read_xlsx(export(demo, "xlsx"))
    assert from_xlsx == original
    assert errors(json.loads(json.dumps(package_from(from_xlsx, demo), default=float))) == []


def test_json_built_from_the_csv_is_valid_and_holds_the_same_grants(demo):
    content = export(demo, "csv")
    assert content.startswith(b"\xef\xbb\xbfIdentifier,Title,")
    from_csv = read_csv(content)
    assert from_csv == giving360.grants(demo)
    assert errors(json.loads(json.dumps(package_from(from_csv, demo), default=float))) == []


def test_amounts_keep_their_pence_in_every_form(demo):
    award = Award.objects.get(application__reference="HCF-2425-00002")
    award.amount = Decimal("1234.05")
    award.save()
    wanted = "360G-wmopcc-demo-HCF-2425-00002"
    as_json = json.loads(export(demo, "json"), parse_float=Decimal)
    assert next(g for g in as_json["grants"] if g["id"] == wanted)["amountAwarded"] == Decimal("1234.05")
    assert b'"amountAwarded": 1234.05,' in export(demo, "json")
    for items in (read_xlsx(export(demo, "xlsx")), read_csv(export(demo, "csv"))):
        assert next(g for g in items if g["id"] == wanted)["amountAwarded"] == Decimal("1234.05")


@pytest.mark.parametrize(
    "break_it",
    [
        lambda g: g.pop("recipientOrganization"),
        lambda g: g.update(amountAwarded="1250"),
        lambda g: g.update(awardDate="31/03/2025"),
        lambda g: g.update(fromOpenCall="yes"),
        lambda g: g["recipientOrganization"][0].pop("name"),
        lambda g: g.update(dateModified="2025-03-31"),
    ],
)
def test_the_schema_check_is_live_and_refuses_a_broken_grant(demo, break_it):
    package = json.loads(export(demo, "json"))
    break_it(package["grants"][0])
    assert errors(package)


def _schema_title(path: tuple) -> str:
    schema = grant_schema()
    titles, node = [], schema
    for step in path:
        if isinstance(step, int):
            node = node["items"]
        else:
            node = node["properties"][step]
            if "$ref" in node:
                node = {
                    **schema["$defs"][node["$ref"].rsplit("/", 1)[-1]],
                    **{k: v for k, v in node.items() if k != "$ref"},
                }
            titles.append(node["title"])
        if "$ref" in node:
            node = {**schema["$defs"][node["$ref"].rsplit("/", 1)[-1]], **node}
    return ":".join(titles)


def test_every_column_title_is_the_standard_s_own():
    assert [_schema_title(column.path) for column in COLUMNS] == list(TITLES)


def test_every_field_of_a_grant_has_a_column(demo):
    # unflatten(flatten(g)) == g only if nothing in g lies outside COLUMNS
    from transparency.giving360.columns import flatten, unflatten

    for grant in giving360.grants(demo):
        assert unflatten(dict(zip(TITLES, flatten(grant), strict=False))) == grant


@pytest.mark.parametrize(
    "charity, company, expected_id, numbers",
    [
        ("1100000", "", "GB-CHC-1100000", {"charityNumber": "1100000"}),
        (" 1 100 001 ", "", "GB-CHC-1100001", {"charityNumber": "1100001"}),
        ("sc 012345", "", "GB-SC-SC012345", {"charityNumber": "SC012345"}),
        ("", "123456", "GB-COH-00123456", {"companyNumber": "00123456"}),
        ("", "sc 123456", "GB-COH-SC123456", {"companyNumber": "SC123456"}),
        ("1100000", "07654321", "GB-CHC-1100000", {"charityNumber": "1100000", "companyNumber": "07654321"}),
        ("", "", "360G-wmopcc-demo-ORG-7", {}),
        ("n/a", "pending", "360G-wmopcc-demo-ORG-7", {}),
        ("12", "00000000", "360G-wmopcc-demo-ORG-7", {}),
    ],
)
def test_recipients_are_named_by_their_register_number_or_else_by_an_id_of_our_own(
    charity, company, expected_id, numbers
):
    organisation = Organisation(
        pk=7, name="Friends of the Park", charity_number=charity, company_number=company
    )
    assert giving360.recipient_organisation(organisation, "360G-wmopcc-demo") == {
        "id": expected_id,
        "name": "Friends of the Park",
        **numbers,
    }


def test_a_project_title_that_looks_like_a_formula_stays_text_in_the_workbook(demo):
    formula = '=HYPERLINK("http://evil.example","Click")'
    application = Award.objects.get(application__reference="HCF-2425-00003").application
    application.project_title = formula
    application.project_summary = "+SUM(1,2)"
    application.save()
    sheet = load_workbook(io.BytesIO(export(demo, "xlsx")))["grants"]
    titles = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value.endswith("HCF-2425-00003"))
    title, description = row[titles.index("Title")], row[titles.index("Description")]
    assert (title.value, title.data_type) == (formula, "s")
    assert (description.value, description.data_type) == ("+SUM(1,2)", "s")
    assert (
        next(g for g in read_xlsx(export(demo, "xlsx")) if g["title"] == formula)["description"]
        == "+SUM(1,2)"
    )


def test_only_awards_finance_approved_are_published(demo):
    waiting = Award.objects.get(status=Award.Status.AWAITING_FINANCE)
    published = {g["id"] for g in giving360.grants(demo)}
    approved = Award.objects.exclude(status=Award.Status.AWAITING_FINANCE).filter(
        application__round__budget__year__start_year=2024
    )
    assert published == {f"360G-wmopcc-demo-{a.application.reference}" for a in approved}
    assert f"360G-wmopcc-demo-{waiting.application.reference}" not in published
    assert not approved.filter(application__anonymised_at__isnull=False).exists()

    approve_award(award_id=waiting.pk, by=UserFactory(is_staff=True, is_superuser=True))
    assert f"360G-wmopcc-demo-{waiting.application.reference}" in {g["id"] for g in giving360.grants(demo)}


def test_a_stream_or_a_round_narrows_the_export(demo, tmp_path):
    waiting = Award.objects.get(status=Award.Status.AWAITING_FINANCE)
    approve_award(award_id=waiting.pk, by=UserFactory(is_staff=True, is_superuser=True))
    counts = {}
    for options in (
        {},
        {"stream": "helping-communities-fund"},
        {"round": "helping-communities-fund-2024-25"},
        {"round": "helping-communities-reserve-round"},
    ):
        path = tmp_path / "grants.csv"
        call_command(
            "export_360giving",
            "--year",
            "2024/25",
            *[f"--{k}={v}" for k, v in options.items()],
            "--output",
            str(path),
            stdout=io.StringIO(),
        )
        rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
        counts[tuple(options.values())] = (len(rows), {r["Grant Programme:Code"] for r in rows})
    assert counts == {
        (): (53, {"helping-communities-fund-2024-25", "helping-communities-reserve-round"}),
        ("helping-communities-fund",): (
            53,
            {"helping-communities-fund-2024-25", "helping-communities-reserve-round"},
        ),
        ("helping-communities-fund-2024-25",): (52, {"helping-communities-fund-2024-25"}),
        ("helping-communities-reserve-round",): (1, {"helping-communities-reserve-round"}),
    }


def test_the_command_writes_the_format_its_file_name_says(demo, tmp_path):
    expected = [g["id"] for g in giving360.grants(demo)]
    reread = {
        "json": lambda c: json.loads(c, parse_float=Decimal)["grants"],
        "xlsx": read_xlsx,
        "csv": read_csv,
    }
    for fmt, read in reread.items():
        path = tmp_path / f"grants.{fmt}"
        out = io.StringIO()
        call_command("export_360giving", "--year", "2024/25", "--output", str(path), stdout=out)
        assert f"Wrote 52 grants for 2024/25 to {path}" in out.getvalue()
        assert [g["id"] for g in read(path.read_bytes())] == expected, fmt


def test_format_overrides_the_file_name(demo, tmp_path):
    path = tmp_path / "grants.data"
    call_command(
        "export_360giving",
        "--year",
        "2024-25",
        "--format",
        "json",
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    assert errors(json.loads(path.read_bytes())) == []


def refusal(*arguments, output) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("export_360giving", *arguments, "--output", str(output))
    assert not output.exists()
    return str(refused.value)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--year", "2031/32"], "There is no 2031/32 financial year set up."),
        (["--year", "twenty"], '"twenty" is not a financial year. Write it like 2024/25'),
        (["--year", "2024/26"], "the second year must follow the first"),
        (
            ["--year", "2024/25", "--stream", "no-such-fund"],
            'There is no funding stream "no-such-fund". Streams: ',
        ),
        (["--year", "2024/25", "--round", "no-such-round"], 'There is no round "no-such-round".'),
        (
            ["--year", "2024/25", "--stream", "victims-fund"],
            "There are no approved grants to publish for 2024/25, Victims",
        ),
    ],
)
def test_the_command_says_what_is_wrong(demo_data, tmp_path, arguments, message):
    assert message in refusal(*arguments, output=tmp_path / "g.json")


def test_the_command_refuses_a_round_outside_the_year_or_stream_asked_for(demo, tmp_path):
    output = tmp_path / "g.json"
    assert 'The round "Helping Communities Fund 2024/25" is in 2024/25, not 2023/24.' in refusal(
        "--year", "2023/24", "--round", "helping-communities-fund-2024-25", output=output
    )
    assert "is part of Helping Communities Fund, not Victims Fund." in refusal(
        "--year",
        "2024/25",
        "--stream",
        "victims-fund",
        "--round",
        "helping-communities-fund-2024-25",
        output=output,
    )
    assert "There are no approved grants to publish for 2023/24." in refusal(
        "--year", "2023/24", output=output
    )


def test_the_command_refuses_a_file_name_it_cannot_tell_the_format_of(demo_data, tmp_path):
    with pytest.raises(CommandError, match=r'Cannot tell the format from "grants.txt"'):
        call_command("export_360giving", "--year", "2024/25", "--output", str(tmp_path / "grants.txt"))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("giving_prefix", "", "Set the office's 360Giving prefix"),
        ("giving_prefix", "360G-wm/pcc", 'The office\'s 360Giving prefix "360G-wm/pcc" is not valid'),
        ("org_identifier", "", "Set the office's organisation identifier"),
        ("org_identifier", "West Midlands PCC", "is not valid: it looks like GB-GOR-PC000123"),
    ],
)
def test_the_command_needs_the_office_s_360giving_prefix_and_identifier(
    demo_data, tmp_path, field, value, message
):
    Office.objects.update(**{field: value})
    assert message in refusal("--year", "2024/25", output=tmp_path / "g.json")


def test_a_prefix_given_without_360g_gets_it(demo):
    Office.objects.update(giving_prefix="wmopcc-demo")
    assert giving360.grants(demo)[0]["id"].startswith("360G-wmopcc-demo-HCF-2425-")


def test_a_local_policing_area_without_a_code_is_published_as_the_nearest_coded_area_above_it(demo):
    from funds.models import Area

    Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA, name="Solihull").update(ons_code="")
    solihull = [g for g in giving360.grants(demo) if "Solihull" in g["title"]]
    assert len(solihull) == 2
    assert {tuple(g["beneficiaryLocation"][0].values()) for g in solihull} == {
        ("West Midlands", "GB", "E23000014", "PFA")
    }


def test_building_the_demo_year_takes_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert len(giving360.grants(demo)) == 52
