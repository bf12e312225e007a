"""The house keeps its shape (STYLE.md): every import points down the layers, none goes round
in a circle. The layers are the import-linter contract in pyproject.toml, read here."""

from __future__ import annotations

import graphlib
import tomllib
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINTER = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
(LAYERS,) = [c["layers"] for c in LINTER["contracts"] if c["type"] == "layers"]


def _build() -> grimp.ImportGraph:
    return grimp.build_graph(*LINTER["root_packages"], exclude_type_checking_imports=True)


_graph = cache(_build)  # the graph as the code has it; the tests that add imports build anew


def _upward(graph: grimp.ImportGraph) -> list[str]:
    return [
        f"{d.importer} -> {d.imported}: {sorted(route.heads)} ... {sorted(route.tails)}"
        for d in graph.find_illegal_dependencies_for_layers(layers=LAYERS)
        for route in d.routes
    ]


def test_the_layers_name_every_room_and_the_core_and_shell():
    assert LAYERS[0] == "evaluation.shell" and LAYERS[-1] == "evaluation.core"
    assert {"evaluation.campaign", "ballots", "suggestions", "questionnaires", "analysis"} <= set(
        LAYERS
    )


def test_every_import_points_down_the_layers():
    assert _upward(_graph()) == []


def test_an_upward_import_would_be_caught():
    graph = _build()
    graph.add_import(importer="evaluation.core.errors", imported="ballots.models")
    graph.add_import(importer="ballots.views.voting", imported="questionnaires.services")
    found = _upward(graph)
    assert any("evaluation.core.errors" in line for line in found)
    assert any("ballots.views.voting" in line for line in found)


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    deps = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    try:
        graphlib.TopologicalSorter(deps).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_no_module_is_part_of_an_import_circle():
    assert _cycle(_graph()) is None


def test_a_circle_would_be_caught():
    graph = _build()
    graph.add_import(importer="ballots.models", imported="ballots.casting")
    assert _cycle(graph) is not None


@pytest.mark.parametrize("room", ["ballots", "suggestions", "questionnaires", "analysis"])
def test_no_room_imports_the_shell(room):
    graph = _graph()
    assert not graph.chain_exists(importer=room, imported="evaluation.shell", as_packages=True)


MAX_MODULE_LINES = 400  # STYLE.md: split a module along its seams before it outgrows this


def test_no_module_outgrows_the_house_s_line():
    packages = [ROOT / p.replace(".", "/") for p in LINTER["root_packages"]]
    long = {
        str(path.relative_to(ROOT)): n
        for package in packages
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
