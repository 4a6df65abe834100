"""The package's layers: imports point one way, and importing gmtutor changes nothing in the process.

Layers, from the bottom: core, models, zoo (recipes, the model cache, results), tools, present. A module may
import from its own layer and the layers below it; the command line (``cli.py``) and the package's front
(``__init__.py``) may import from all of them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gmtutor"
LAYERS = ["core", "models", "zoo", "tools", "present"]


def layer_of(module: str) -> str | None:
    """The layer a dotted module name lives in (None for the package's front and the command line)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every gmtutor module ``path`` imports, at any depth (inside functions too), with its line number."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("gmtutor")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gmtutor"):
            if node.module == "gmtutor":  # from gmtutor import zoo: the subpackage; __version__: the front
                found += [(node.lineno, f"gmtutor.{a.name}") for a in node.names if a.name != "__version__"]
            else:
                found.append((node.lineno, node.module))
    return found


def arrows_against_the_layers() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("gmtutor", *path.relative_to(PACKAGE).with_suffix("").parts))
        here = layer_of(module)
        if here is None:
            continue
        for line, target in imported_modules(path):
            there = layer_of(target)
            if there is None and target != "gmtutor":
                continue  # a plain module of the front: gmtutor.cli is never imported from below
            if target == "gmtutor" or LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({here}) imports {target}")
    return wrong


def test_imports_point_down_the_layers():
    assert arrows_against_the_layers() == []


def test_the_layer_check_finds_an_arrow_up(tmp_path, monkeypatch):
    fake = tmp_path / "gmtutor"
    (fake / "core").mkdir(parents=True)
    (fake / "core" / "bad.py").write_text("def f():\n    from gmtutor.models import VAE\n")
    (fake / "models").mkdir()
    (fake / "models" / "fine.py").write_text("from gmtutor.core import data\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert arrows_against_the_layers() == ["gmtutor/core/bad.py:2 (core) imports gmtutor.models"]


def run_fresh(code: str, **env: str) -> dict:
    """Run ``code`` in a fresh interpreter (the test run's environment, plus ``env``); its last line, as JSON."""
    import os

    environment = {k: v for k, v in os.environ.items() if k != "GMTUTOR_KEEP_FREED_MEMORY"} | env
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


STATE_BEFORE_AND_AFTER = """
import ctypes, json, random, sys
import numpy as np, torch, matplotlib
matplotlib.use("Agg")
asked = []

class Spy(ctypes.CDLL):  # records any mallopt call: the only way to change glibc's thresholds
    def __getattr__(self, name):
        if name == "mallopt":
            asked.append(name)
        return super().__getattr__(name)

ctypes.CDLL = Spy
def state():
    return {
        "rc": {k: str(v) for k, v in matplotlib.rcParams.items()},
        "torch": torch.get_rng_state().tolist(),
        "numpy": str(np.random.get_state()[1][:8].tolist()) + str(np.random.get_state()[2]),
        "random": str(random.getstate()[1][:8]),
        "cudnn": [torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic],
    }
before = state()
import gmtutor as gm
heavy = sorted(m for m in ("sklearn", "scipy", "pandas", "matplotlib.pyplot") if m in sys.modules)
import gmtutor.tools.plot
fig = gm.plot.generator_loss_shapes()  # a figure drawn in the course's style
styled = fig.axes[0].title.get_fontsize()
after = state()
print(json.dumps({"changed": sorted(k for k in before if before[k] != after[k]), "heavy": heavy,
                  "mallopt": asked, "title": styled, "default": matplotlib.rcParams["axes.titlesize"]}))
"""


def test_importing_gmtutor_changes_nothing_and_loads_nothing_heavy():
    seen = run_fresh(STATE_BEFORE_AND_AFTER)
    assert seen["changed"] == []  # rcParams, the RNGs and cudnn's flags as they were
    assert seen["mallopt"] == []  # malloc left alone
    assert seen["heavy"] == []  # scikit-learn, SciPy, pandas and pyplot load when first used
    assert seen["title"] == 12.0 and seen["default"] == "large"  # the style lives inside the figure functions


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc is Linux's")
def test_keeping_freed_memory_is_asked_for_with_an_environment_variable():
    import platform

    seen = run_fresh(STATE_BEFORE_AND_AFTER, GMTUTOR_KEEP_FREED_MEMORY="1")
    assert seen["mallopt"] == (["mallopt"] if platform.libc_ver()[0] == "glibc" else [])
    done = subprocess.run(
        [sys.executable, "-c", "import gmtutor"], capture_output=True, text=True, env={"GMTUTOR_KEEP_FREED_MEMORY": "x"}
    )
    assert done.returncode != 0 and "GMTUTOR_KEEP_FREED_MEMORY='x'" in done.stderr


def test_a_bare_import_loads_neither_scikit_learn_scipy_pandas_nor_matplotlib():
    seen = run_fresh(
        "import json, sys, gmtutor as gm; gm.VAE; gm.zoo.get; gm.fit\n"
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    assert not {"sklearn", "scipy", "pandas", "matplotlib"} & set(seen)
    assert run_fresh("import json, sys, gmtutor as gm; gm.GaussianNB; print(json.dumps('sklearn' in sys.modules))")
