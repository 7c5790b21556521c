"""environment.yml (conda) asks for what pyproject.toml asks for, all from
conda-forge. No conda solver can reach conda-forge from here, so this checks
the package list, not that it resolves (the file says so)."""

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

# conda-forge's names for the PyPI distributions that differ.
CONDA_NAMES = {"torch": "pytorch"}
CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\s*(?P<version>[<>=!~][^\s]*)?(?:\s+(?P<build>\S+))?$")


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _environment() -> dict:
    return yaml.safe_load((REPO / "environment.yml").read_text())


def _conda_specs(environment: dict) -> dict[str, re.Match]:
    specs = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, str):
            match = CONDA_SPEC.match(entry)
            assert match, f"not a conda spec this test reads: {entry!r}"
            specs[canonicalize_name(match["name"])] = match
    return specs


def test_environment_asks_for_what_pyproject_asks_for():
    project = _pyproject()["project"]
    wanted = {"python": project["requires-python"]}
    for line in project["dependencies"] + [line for extra in ("lab", "test")
                                           for line in project["optional-dependencies"][extra]]:
        requirement = Requirement(line)
        name = CONDA_NAMES.get(canonicalize_name(requirement.name), requirement.name)
        wanted[canonicalize_name(name)] = str(requirement.specifier)
    found = {name: match["version"] or "" for name, match in _conda_specs(_environment()).items()
             if name != "pip"}
    assert found == wanted


def test_environment_takes_everything_from_conda_forge():
    environment = _environment()
    assert [c for c in environment["channels"] if c != "nodefaults"] == ["conda-forge"]
    assert not [e for e in environment["dependencies"] if isinstance(e, str) and "::" in e]
    # pip installs only the workbook itself, never a dependency from PyPI.
    pip = [e["pip"] for e in environment["dependencies"] if isinstance(e, dict)]
    assert pip == [["-e ."]]
    # torch's CPU build by default: conda-forge's build strings start with cpu_ or cuda.
    assert _conda_specs(environment)["pytorch"]["build"] == "cpu_*"
