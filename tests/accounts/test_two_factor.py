"""Staff sign in with a password and then a code from their authenticator app; nothing else first."""

import re
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from accounts import two_factor
from accounts.models import RecoveryCode, TwoFactorDevice
from audit.models import AuditEvent
from tests.accounts.helpers import confirmed_device, sign_in_with_password
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/two-factor/"
SET_UP = "/accounts/two-factor/set-up/"
RECOVERY = "/accounts/two-factor/recovery-code/"


@pytest.fixture
def staff(db):
    from django.contrib.auth.models import Group

    from accounts import roles

    officer = UserFactory(is_staff=True, email="grants.officer@opcc.example")
    officer.groups.add(Group.objects.get(name=roles.GRANTS_OFFICER))  # so the staff pages open once signed in
    return officer


def test_a_staff_password_sign_in_goes_to_the_code_page_keeping_next(client, staff):
    confirmed_device(staff)
    response = sign_in_with_password(client, staff, next_url="/staff/")
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={quote('/staff/', safe='')}"


@pytest.mark.parametrize("path", ["/staff/", "/staff/applications/", "/admin/", "/admin/funds/budget/"])
def test_a_password_only_staff_session_is_refused_everywhere_but_the_code_page(client, staff, path):
    confirmed_device(staff)
    sign_in_with_password(client, staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={quote(path, safe='')}"


def test_a_password_only_staff_session_can_still_sign_out_and_reach_the_health_check(client, staff):
    confirmed_device(staff)
    sign_in_with_password(client, staff)
    assert client.get("/healthz").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_right_code_lets_a_staff_member_in_and_on_to_next(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff, next_url="/staff/")
    response = client.post(VERIFY, {"code": two_factor.totp(device.secret), "next": "/staff/"})
    assert response.status_code == 302 and response.url == "/staff/"
    assert client.session[two_factor.VERIFIED_SESSION_KEY] is True
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_without_next_the_right_code_goes_to_the_login_redirect(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    response = client.post(VERIFY, {"code": two_factor.totp(device.secret)})
    assert response.url == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_next_pointing_to_another_site_is_ignored(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    response = client.post(VERIFY, {"code": two_factor.totp(device.secret), "next": "https://evil.example/"})
    assert response.url == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_a_code_cannot_be_used_twice(client, staff):
    device, _ = confirmed_device(staff)
    code = two_factor.totp(device.secret)
    sign_in_with_password(client, staff)
    client.post(VERIFY, {"code": code})

    from django.test import Client

    other = Client()
    sign_in_with_password(other, staff)
    page = other.post(VERIFY, {"code": code})
    assert page.status_code == 200
    assert "That code has already been used" in page.content.decode()
    assert two_factor.VERIFIED_SESSION_KEY not in other.session
    assert other.get("/staff/").status_code == 302


def test_an_older_code_is_refused_once_a_newer_one_has_been_used(staff):
    device, _ = confirmed_device(staff)
    now = time.time()
    assert two_factor.use_code(device, two_factor.totp(device.secret, when=now + 30), when=now)
    assert not two_factor.use_code(device, two_factor.totp(device.secret, when=now), when=now)


def test_a_wrong_code_is_explained_in_the_error_summary(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    wrong = "000000" if two_factor.totp(device.secret) != "000000" else "111111"
    page = client.post(VERIFY, {"code": wrong}).content.decode()
    assert "There is a problem" in page and "The security code is not right" in page
    assert 'href="#id_code"' in page
    letters = client.post(VERIFY, {"code": "12ab56"}).content.decode()
    assert "The security code must only include numbers 0 to 9" in letters


def test_five_wrong_codes_lock_code_entry_for_fifteen_minutes(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    right = two_factor.totp(device.secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert client.post(VERIFY, {"code": wrong}).status_code == 200
    locked = client.post(VERIFY, {"code": wrong})
    assert locked.status_code == 429
    assert 900 - 5 <= int(locked["Retry-After"]) <= 900
    assert "Too many attempts" in locked.content.decode()
    # Even the right code, or a recovery code, is not looked at while locked.
    assert client.post(VERIFY, {"code": right}).status_code == 429
    assert client.post(RECOVERY, {"code": "abcde-fghjk"}).status_code == 429
    assert two_factor.VERIFIED_SESSION_KEY not in client.session


def test_a_recovery_code_works_once(client, staff):
    _, codes = confirmed_device(staff)
    sign_in_with_password(client, staff)
    response = client.post(RECOVERY, {"code": codes[3].upper().replace("-", " "), "next": "/staff/"})
    assert response.status_code == 302 and response.url == "/staff/"
    assert "9 recovery codes left" in client.get("/staff/").content.decode()
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1

    from django.test import Client

    other = Client()
    sign_in_with_password(other, staff)
    page = other.post(RECOVERY, {"code": codes[3]})
    assert page.status_code == 200 and "already been used" in page.content.decode()


def test_recovery_codes_are_stored_hashed(staff):
    device, codes = confirmed_device(staff)
    stored = list(device.recovery_codes.values_list("code_hash", flat=True))
    assert len(stored) == 10 and len(set(codes)) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)


def test_set_up_end_to_end_with_a_code_from_the_key_on_the_page(client, staff):
    response = sign_in_with_password(client, staff, next_url="/staff/")
    assert response.url == f"{SET_UP}?next={quote('/staff/', safe='')}"
    assert client.get("/staff/").url == f"{SET_UP}?next={quote('/staff/', safe='')}"

    page = client.get(response.url).content.decode()
    assert '<svg role="img"' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    key = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1)
    assert client.get(SET_UP).content.decode().count(key) == 1  # a reload shows the same key

    response = client.post(SET_UP, {"code": two_factor.totp(key.replace(" ", "")), "next": "/staff/"})
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/recovery-codes/")
    codes_page = client.get(response.url).content.decode()
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", codes_page)
    assert len(codes) == 10
    assert 'href="/staff/"' in codes_page
    # Shown once: the page does not show them again.
    assert client.get("/accounts/two-factor/recovery-codes/").status_code == 302

    assert client.get("/staff/").status_code == 200
    assert TwoFactorDevice.objects.get(user=staff).confirmed_at is not None
    assert AuditEvent.objects.filter(action="two_factor.set_up", actor=staff).exists()
    # The codes shown are the ones that work.
    assert two_factor.use_recovery_code(TwoFactorDevice.objects.get(user=staff), codes[0])


def test_set_up_refuses_a_wrong_code_and_stays_unconfirmed(client, staff):
    sign_in_with_password(client, staff)
    client.get(SET_UP)
    device = TwoFactorDevice.objects.get(user=staff)
    wrong = "000000" if two_factor.totp(device.secret) != "000000" else "111111"
    page = client.post(SET_UP, {"code": wrong}).content.decode()
    assert "The security code is not right" in page
    device.refresh_from_db()
    assert device.confirmed_at is None and not device.recovery_codes.exists()


def test_a_confirmed_app_cannot_be_replaced_by_a_password_only_session(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    assert client.get(SET_UP).url.startswith(VERIFY)
    assert TwoFactorDevice.objects.get(user=staff).secret == device.secret


def test_a_new_password_sign_in_asks_for_the_code_again(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    client.post(VERIFY, {"code": two_factor.totp(device.secret)})
    assert client.get("/staff/").status_code == 200
    sign_in_with_password(client, staff)
    assert client.get("/staff/").status_code == 302


def test_staff_can_replace_their_recovery_codes_and_the_old_ones_stop_working(client, staff):
    device, old_codes = confirmed_device(staff)
    sign_in_with_password(client, staff)
    client.post(VERIFY, {"code": two_factor.totp(device.secret)})
    assert (
        "10 unused recovery codes" in client.get("/accounts/two-factor/recovery-codes/new/").content.decode()
    )
    response = client.post("/accounts/two-factor/recovery-codes/new/")
    new_codes = re.findall(r"<code>([a-z2-9-]+)</code>", client.get(response.url).content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert not two_factor.use_recovery_code(device, old_codes[0])
    assert two_factor.use_recovery_code(device, new_codes[0])
    assert AuditEvent.objects.filter(action="two_factor.recovery_codes_replaced").count() == 1


def test_someone_who_is_not_staff_is_not_asked_for_a_code(client):
    applicant = UserFactory(email="volunteer@example.org")
    response = sign_in_with_password(client, applicant, next_url="/applications/")
    assert response.url == "/applications/"
    assert client.get("/applications/").status_code == 200
    assert client.get(VERIFY).status_code == 302
    assert not TwoFactorDevice.objects.exists()


def test_the_admin_sign_in_page_sends_people_to_ours(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"/accounts/login/?next={quote('/admin/', safe='')}"
    direct = client.get("/admin/login/?next=https://evil.example/")
    assert direct.url == f"/accounts/login/?next={quote('/admin/', safe='')}"


def test_a_superuser_resets_someones_two_factor_from_the_admin_and_it_is_audited(client, staff):
    confirmed_device(staff)
    superuser = UserFactory(is_staff=True, is_superuser=True, email="admin@opcc.example")
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [staff.pk]}
    )
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=staff).exists()
    assert not RecoveryCode.objects.exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert event.actor == superuser and event.object_id == staff.pk

    # At their next sign-in they set up a new app.
    from django.test import Client

    again = Client()
    assert sign_in_with_password(again, staff).url.startswith(SET_UP)


def test_a_staff_member_who_is_not_a_superuser_cannot_reset_two_factor(client, staff):
    from django.contrib.auth.models import Permission

    officer = UserFactory(is_staff=True, email="officer@opcc.example")
    officer.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    confirmed_device(staff)
    client.force_login(officer)
    client.post("/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [staff.pk]})
    assert TwoFactorDevice.objects.filter(user=staff).exists()
    assert not AuditEvent.objects.filter(action="two_factor.reset").exists()
