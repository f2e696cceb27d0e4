import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_broker_without_signing_in(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "vendor": connection.vendor}
    assert body["checks"]["broker"] == {"status": "ok"}


def test_healthz_says_the_broker_is_not_configured_in_the_embedded_default(client, settings):
    settings.REDIS_URL = ""
    assert client.get("/healthz").json()["checks"]["broker"]["status"] == "not configured"


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "error"
