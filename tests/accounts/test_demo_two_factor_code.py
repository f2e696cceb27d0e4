import pytest
from django.core.management import CommandError, call_command

from accounts import two_factor
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_code_printed_for_a_demo_login_is_accepted_by_its_device(capsys):
    user = UserFactory(email="finance@demo.pcc-grants.example", is_staff=True)
    call_command("demo_two_factor_code", "finance@demo.pcc-grants.example")
    code = capsys.readouterr().out.strip()
    assert two_factor.use_code(two_factor.device_for(user), code)


@pytest.mark.django_db
def test_it_refuses_real_people_and_production(settings):
    UserFactory(email="officer@opcc.example", is_staff=True)
    with pytest.raises(CommandError, match="Only demo logins"):
        call_command("demo_two_factor_code", "officer@opcc.example")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_two_factor_code", "finance@demo.pcc-grants.example")
