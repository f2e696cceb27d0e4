"""The layers in docs/architecture.md hold: no app imports one above it, every app of ours is in a layer, and no two
files of one app import each other, directly or round a loop (an import inside a function counts: it only hides the
loop). The contracts themselves are [tool.importlinter] in pyproject.toml; `.venv/bin/lint-imports` checks them too."""

import tomllib
from pathlib import Path

import grimp
from django.apps import apps
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
OUR_APPS = CONFIG["root_packages"]


def _layers_contract() -> dict:
    return next(c for c in CONFIG["contracts"] if c["id"] == "layers")


def _apps_in_layers() -> set[str]:
    return {
        name.strip().strip("()")
        for layer in _layers_contract()["layers"]
        for name in layer.replace(":", "|").split("|")
    }


def file_cycles(graph: grimp.ImportGraph, app: str) -> list[list[str]]:
    """Each set of the app's modules that import one another round a loop (Tarjan's strongly connected components)."""
    modules = {m for m in graph.modules if m == app or m.startswith(f"{app}.")}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(modules):
        if start in index:
            continue
        # Iterative, so a long chain of imports cannot exhaust Python's recursion limit.
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    cycles.append(sorted(component))
    return cycles


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    members = set(cycle)
    lines = [" <-> ".join(cycle)]
    for importer in cycle:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"    {importer}:{detail['line_number']} {detail['line_contents']}")
    return "\n".join(lines)


def test_no_app_imports_an_app_in_a_higher_layer_and_no_two_apps_import_each_other():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0, (
        "an import breaks a contract in pyproject.toml [tool.importlinter]: run .venv/bin/lint-imports to see which"
    )


def test_every_app_of_ours_is_in_a_layer():
    ours = {config.name for config in apps.get_app_configs() if (ROOT / config.name).is_dir()}
    assert ours <= set(OUR_APPS), "add the new app to root_packages in [tool.importlinter]"
    assert set(OUR_APPS) == _apps_in_layers(), (
        "give every app in root_packages a place in the layers contract"
    )


def test_no_two_files_of_one_app_import_each_other_round_a_loop():
    graph = grimp.build_graph(*OUR_APPS, exclude_type_checking_imports=True, cache_dir=None)
    loops = [_describe(graph, cycle) for app in OUR_APPS for cycle in file_cycles(graph, app)]
    assert not loops, "files that import each other round a loop:\n" + "\n".join(loops)


def test_the_file_loop_check_finds_a_loop_through_an_import_inside_a_function():
    graph = grimp.ImportGraph()
    for module in ("shop", "shop.services", "shop.tasks", "shop.models"):
        graph.add_module(module)
    graph.add_import(importer="shop.services", imported="shop.models")
    graph.add_import(importer="shop.tasks", imported="shop.services")
    graph.add_import(importer="shop.services", imported="shop.tasks")  # the one a function-level import hides
    assert file_cycles(graph, "shop") == [["shop.services", "shop.tasks"]]
    graph.remove_import(importer="shop.services", imported="shop.tasks")
    assert file_cycles(graph, "shop") == []


def _layers_in_the_docs() -> list[set[str]]:
    """docs/architecture.md's table of apps, as layers from top to bottom."""
    import re

    by_layer: dict[int, set[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        row = re.match(r"\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", line)
        if row:
            by_layer.setdefault(int(row[1]), set()).add(row[2])
    return [by_layer[n] for n in sorted(by_layer, reverse=True)]


def test_the_architecture_page_draws_the_layers_the_contract_enforces():
    enforced = [
        {name.strip() for name in layer.replace(":", "|").split("|")}
        for layer in _layers_contract()["layers"]
    ]
    assert _layers_in_the_docs() == enforced, (
        "docs/architecture.md's table of apps and the layers in [tool.importlinter] disagree: change both together"
    )
