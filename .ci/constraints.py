"""Print the exact versions of gmtutor's dependencies as installed here, as a pip constraints file.

Run it where CI's install succeeded and the tests passed, then commit the file:

    python .ci/constraints.py > constraints.txt

It follows the requirements of gmtutor with its extras lab, test, present, site and reference through the installed
packages' metadata, so the file names exactly what an install of ``.[lab,test,present,site,reference]`` pulls in.
PyTorch is left out: CI installs its CPU build first (``torch==2.13.0``), and the right build of it
depends on the machine.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement

EXTRAS = ("lab", "test", "present", "site", "reference")
LEFT_OUT = {"torch", "gmtutor"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(root: str, extras: tuple[str, ...]) -> dict[str, str]:
    """Installed name -> version for ``root[extras]`` and everything it needs, recursively."""
    found: dict[str, str] = {}
    todo = [(root, set(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, wanted = todo.pop()
        key = (canonical(name), frozenset(wanted))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed here
        found[canonical(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            markers = [{**default_environment(), "extra": extra} for extra in (wanted or {""})]
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in markers):
                todo.append((requirement.name, set(requirement.extras)))
    return found


def main() -> None:
    pins = closure("gmtutor", EXTRAS)
    print("# The versions CI tested (python .ci/constraints.py > constraints.txt regenerates this file).")
    print(f"# Python {sys.version_info.major}.{sys.version_info.minor}; PyTorch is pinned separately in .ci/run.")
    for name in sorted(pins):
        if name not in LEFT_OUT:
            print(f"{name}=={pins[name]}")


if __name__ == "__main__":
    main()
