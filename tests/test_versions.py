"""The tested versions stay one set: constraints.txt, environment.yml and CI's PyTorch agree."""

import re
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    found = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    ci_torch = re.search(r"torch==([0-9.]+)", (ROOT / ".ci" / "run").read_text()).group(1)
    return {canonical(name): version for name, version in {**found, "torch": ci_torch}.items()}


def test_ci_installs_with_the_constraints():
    assert "-c constraints.txt" in (ROOT / ".ci" / "run").read_text()


def test_the_constraints_pin_every_dependency_of_the_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in ("lab", "test", "present", "site"):
        wanted += project["optional-dependencies"][extra]
    pinned = pins()
    for requirement in wanted:
        name, spec = re.match(r"([A-Za-z0-9_.-]+)(.*)", requirement).groups()
        assert canonical(name) in pinned, f"{name} is not in constraints.txt: regenerate it (.ci/constraints.py)"
        assert SpecifierSet(spec).contains(pinned[canonical(name)]), f"{name}: {pinned[canonical(name)]} vs {spec}"


def test_environment_yml_agrees_with_the_constraints():
    yaml = pytest.importorskip("yaml")
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pinned = pins()
    python = re.search(r"# Python ([0-9.]+)", (ROOT / "constraints.txt").read_text()).group(1)
    for dependency in environment["dependencies"]:
        if not isinstance(dependency, str) or dependency == "pip":
            continue
        name, spec = re.match(r"([A-Za-z0-9_.-]+)(.*)", dependency).groups()
        if name == "python":
            assert spec == f"={python}", f"environment.yml asks for python{spec}; CI tested {python}"
            continue
        name = CONDA_TO_PIP.get(name, name)
        assert canonical(name) in pinned, f"environment.yml's {name} is not in constraints.txt"
        if spec:  # conda's "=1.2" means 1.2.*; ">=" and the rest read as in pip
            spec = f"=={spec[1:]}.*" if re.fullmatch(r"=[0-9.]+", spec) else spec
            assert SpecifierSet(spec).contains(pinned[canonical(name)]), f"{name}: {pinned[canonical(name)]} vs {spec}"
