"""Issue 5, done when: a confidential or commercially confidential decision's title and summary appear nowhere the
public can read (register, its page, the API, the grants downloads), and its one-line public description does."""

import datetime
import io

import openpyxl
import pytest

from funds.models import Decision
from tests.applications.factories import RoundFactory
from tests.factories import BudgetFactory

from .public_data import decision, published_grant

pytestmark = pytest.mark.django_db

SECRETS = ["SECRET-TITLE-123", "SECRET-SUMMARY-123", "SECRET-TITLE-456", "SECRET-SUMMARY-456"]
PUBLIC_DESCRIPTIONS = [
    "PUBLIC-LINE-123 the forfeiture of a police pension",
    "PUBLIC-LINE-456 the lease of a building",
]


@pytest.fixture
def decisions():
    budget = BudgetFactory()
    round_ = RoundFactory(budget=budget)
    made = [
        decision(
            "017-2020",
            title="PUBLIC-TITLE-789 External Commissioning",
            summary="PUBLIC-SUMMARY-789",
            decided_on=datetime.date(2020, 3, 24),
            budgets=[budget],
        ),
        decision(
            "012-2020",
            confidentiality=Decision.Confidentiality.CONFIDENTIAL,
            title="SECRET-TITLE-123",
            summary="SECRET-SUMMARY-123",
            description=PUBLIC_DESCRIPTIONS[0],
            decided_on=datetime.date(2020, 2, 13),
            budgets=[budget],
        ),
        decision(
            "024/2019",
            confidentiality=Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL,
            title="SECRET-TITLE-456",
            summary="SECRET-SUMMARY-456",
            description=PUBLIC_DESCRIPTIONS[1],
            decided_on=datetime.date(2019, 7, 2),
            budgets=[budget],
        ),
    ]
    # A grant approved under the confidential decision, so the downloads have a path to it if anything leaked.
    award = published_grant(round_)
    award.application.decision = made[1]
    award.application.save(update_fields=["decision"])
    return made


def _public_text(client) -> str:
    texts = []
    for path, params in [
        ("/decisions/", {}),
        ("/decisions/", {"year": "2019-20"}),
        ("/decisions/017-2020/", {}),
        ("/decisions/012-2020/", {}),
        ("/decisions/024/2019/", {}),
        ("/api/v1/decisions/", {}),
        ("/api/v1/decisions/", {"year": "2019/20"}),
        ("/api/v1/grants/", {}),
        ("/grants/", {}),
        ("/grants/download.csv", {}),
    ]:
        response = client.get(path, params)
        assert response.status_code == 200, path
        texts.append(response.content.decode())
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/grants/download.xlsx").content))
    texts += [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row]
    return "\n".join(texts)


def test_confidential_titles_and_summaries_are_published_nowhere(client, decisions):
    published = _public_text(client)

    for secret in SECRETS:
        assert secret not in published


def test_confidential_decisions_still_appear_with_number_date_and_public_description(client, decisions):
    register = client.get("/decisions/").content.decode()
    api = client.get("/api/v1/decisions/").json()["results"]

    for line in PUBLIC_DESCRIPTIONS:
        assert line in register
        assert line in {d["description"] for d in api}
    assert "012-2020" in register and "13 February 2020" in register
    assert "024/2019" in register and "2 July 2019" in register
    assert "PCC Decision 012-2020</a> is a confidential decision relating to PUBLIC-LINE-123" in register
    assert (
        "PCC Decision 024/2019</a> is a commercially confidential decision relating to PUBLIC-LINE-456"
        in register
    )


def test_public_decisions_are_published_in_full(client, decisions):
    published = _public_text(client)

    assert "PUBLIC-TITLE-789 External Commissioning" in published
    assert "PUBLIC-SUMMARY-789" in published


def test_a_confidential_decisions_budgets_are_not_published(client, decisions):
    confidential = client.get("/decisions/012-2020/").content.decode()
    api = {d["number"]: d for d in client.get("/api/v1/decisions/").json()["results"]}

    assert "Budgets" not in confidential
    assert api["012-2020"]["budgets"] is None and api["024/2019"]["budgets"] is None
    assert api["017-2020"]["budgets"]
