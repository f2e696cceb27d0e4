"""Production settings: `manage.py check --deploy` is clean with DJANGO_ENV=production, and the CSP is strict."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**overrides) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "RATE_LIMIT_", "AXES_"))
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(
                64
            ),  # 86 characters, as check --deploy asks for 50 or more
            "DJANGO_ALLOWED_HOSTS": "grants.example.org",
            "SMTP_HOST": "smtp.example.org",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_no_warnings_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS:" not in output and "security.W" not in output


def test_check_deploy_fails_without_production_settings():
    # The same command without DJANGO_ENV=production must fail, or the test above proves nothing.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(DJANGO_ENV=None))
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env=_production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_debug():
    result = _manage("check", env=_production_env(DJANGO_DEBUG="true"))
    assert result.returncode != 0
    assert "DJANGO_DEBUG must not be on" in result.stderr


def test_production_settings_are_https_only_with_hsts_for_a_year():
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "SECURE_PROXY_SSL_HEADER",
        "STORAGES",
        "SECURE_CSP",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, default=str))"
    )
    env = _production_env(
        DJANGO_SETTINGS_MODULE="pcc_grants.settings", DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] and values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert "CompressedManifestStaticFilesStorage" in values["STORAGES"]["staticfiles"]["BACKEND"]
    assert values["SECURE_CSP"]  # the policy is the same in production


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/sign-up/"])
def test_public_pages_carry_a_content_security_policy_without_unsafe_inline(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy  # plus a nonce on pages that use one
