"""The locust scenarios (benchmarks/locustfile.py) ask for pages by action name; the paths, task pages, sorts and form
fields they use are kept in benchmarks/load_routes.py. These tests hold both to the app, so renaming a URL, a task
page, a sortable column or a form field breaks a test here rather than the next 100k load run.

The locustfile is read (its syntax tree), not imported: importing locust monkey-patches the whole test process with
gevent. No locust run happens here.
"""

import ast
import re
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from benchmarks import load_routes

LOCUSTFILE = Path(load_routes.__file__).with_name("locustfile.py")
SAMPLE_ARGS = {"pk": 4321, "task": "budget"}


def _placeholders(template: str) -> list[str]:
    return re.findall(r"{(\w+)}", template)


@pytest.mark.parametrize("url_name", sorted(load_routes.URLS))
def test_each_path_is_what_its_url_name_reverses_to(url_name):
    template = load_routes.URLS[url_name]
    kwargs = {k: SAMPLE_ARGS[k] for k in _placeholders(template)}
    assert reverse(url_name, kwargs=kwargs or None) == template.format(**kwargs)


def test_every_action_names_a_known_url():
    assert set(load_routes.ACTIONS.values()) <= set(load_routes.URLS)
    # Every URL listed is used by some action, so the list cannot collect dead entries.
    assert set(load_routes.URLS) == set(load_routes.ACTIONS.values())


def _locustfile_actions() -> tuple[set[str], set[str], set[str]]:
    """The action names the locustfile passes to its request helpers, the f-string prefixes it builds them from, and
    the task pages it saves."""
    tree = ast.parse(LOCUSTFILE.read_text())
    actions, prefixes, tasks = set(), set(), set()
    positions = {"call": 1, "follow": 1, "public": 0}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute | ast.Name):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        named = [kw.value for kw in node.keywords if kw.arg == "name"]
        args = []
        if name in positions and len(node.args) > positions[name]:
            args.append(node.args[positions[name]])
        if name in positions or name == "save":
            args += named
        if name == "save" and node.args and isinstance(node.args[0], ast.Constant):
            tasks.add(node.args[0].value)
        for arg in args:
            if isinstance(arg, ast.BoolOp):  # name or f"save {task}"
                args += arg.values
            elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                actions.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                prefixes.add(arg.values[0].value)
    return actions, prefixes, tasks


def test_the_locustfile_asks_only_for_known_actions():
    actions, prefixes, tasks = _locustfile_actions()
    assert actions, "no request helpers found in the locustfile: has it been restructured?"
    assert actions - set(load_routes.ACTIONS) == set()
    # f"open {task}" / f"save {task}" for every task page.
    assert prefixes == {"open ", "save "}
    for prefix in prefixes:
        assert {prefix + t for t in load_routes.APPLICATION_TASKS} <= set(load_routes.ACTIONS)
    assert tasks == set(load_routes.APPLICATION_TASKS)


def test_the_application_tasks_are_the_apps_task_pages_in_order():
    from applications.views.drafting import TASK_PAGES

    assert tuple(TASK_PAGES) == load_routes.APPLICATION_TASKS


def test_the_staff_sorts_are_sortable_columns_of_the_staff_list():
    from applications.tables import StaffApplicationTable

    columns = StaffApplicationTable.base_columns
    for sort in load_routes.STAFF_SORTS:
        column = sort.removeprefix("-")
        assert column in columns, sort
        assert columns[column].orderable is not False, sort


def test_the_forms_have_the_fields_the_scenarios_post():
    from accounts.forms import SecurityCodeForm, SignInForm
    from applications.admin import AwardAdmin
    from transparency import api
    from transparency.forms import GrantFilterForm

    source = LOCUSTFILE.read_text()
    assert {"username", "password"} <= set(SignInForm.base_fields)
    assert '"username": email' in source and '"password": self.password' in source
    assert "code" in SecurityCodeForm.base_fields and '"code": totp(' in source
    assert {"year", "area", "stream"} <= set(GrantFilterForm.base_fields)
    assert api.MAX_PAGE_SIZE == load_routes.API_PAGE_SIZE
    assert "approve_selected" in AwardAdmin.actions and '"action": "approve_selected"' in source


def test_the_scenarios_authenticator_gives_the_apps_codes():
    from accounts import two_factor

    secret = two_factor.new_secret()
    for when in (0, 1_700_000_000, 1_800_000_029.5):
        assert load_routes.totp(secret, when=when) == two_factor.totp(secret, when=when)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_each_simulated_person_is_seen_at_an_address_of_their_own():
    from core.ratelimit import client_ip

    addresses = [load_routes.forwarded_for(n) for n in range(1, 70_000)]
    assert len(set(addresses)) == len(addresses)
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=addresses[41], REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == addresses[41]
