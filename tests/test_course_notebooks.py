"""The course without a clone: the notebooks ship with the package and `gmtutor notebooks` copies them."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from gmtutor.cli import main
from gmtutor.core.notebooks import copy_notebooks, shipped_notebooks
from gmtutor.weights import manifest

ROOT = Path(__file__).resolve().parents[1]


def test_every_course_notebook_is_shipped_in_order():
    names = [path.name for path in shipped_notebooks()]
    assert names == sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert names[0].startswith("00_") and names[-1].startswith("07_")


def test_copying_keeps_a_learners_edits_unless_forced(tmp_path, capsys):
    folder = tmp_path / "course"
    first = copy_notebooks(folder)
    assert first.copied == [path.name for path in shipped_notebooks()] and not first.kept
    edited = folder / first.copied[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("gmtutor", "my notes"), encoding="utf-8")
    again = copy_notebooks(folder)
    assert again.kept == [edited.name] and len(again.unchanged) == len(first.copied) - 1
    assert "my notes" in edited.read_text(encoding="utf-8")  # the edit survived
    assert main(["notebooks", str(folder)]) == 0
    assert "kept your edited copies: " + edited.name in capsys.readouterr().out
    assert main(["notebooks", str(folder), "--force"]) == 0
    assert "my notes" not in edited.read_text(encoding="utf-8")
    assert not list(folder.glob(".*"))  # no temporary files left behind


def test_a_file_in_place_of_the_folder_is_refused(tmp_path, capsys):
    in_the_way = tmp_path / "course"
    in_the_way.write_text("not a folder")
    assert main(["notebooks", str(in_the_way)]) == 1
    assert "is a file" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="builds a wheel and a virtual environment (Linux CI)")
def test_the_wheel_carries_the_notebooks_and_its_command_copies_them(tmp_path):
    built = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", built, ROOT],
        check=True,
    )
    wheel = next(built.glob("gmtutor-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = sorted(Path(name).name for name in archive.namelist() if name.startswith("gmtutor/course_notebooks/"))
    assert shipped == [path.name for path in shipped_notebooks()]
    with zipfile.ZipFile(wheel) as archive:
        weights = {Path(name).name for name in archive.namelist() if name.startswith("gmtutor/weights/")}
    assert {"manifest.json", *manifest()["models"]} <= weights  # the trained models ride in the wheel
    # A fresh environment that borrows this one's libraries (torch, nbclient) but not its gmtutor. A path file
    # names this interpreter's own site-packages: --system-site-packages would lend the base Python's instead
    # whenever the tests run inside a virtual environment.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    own_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    lent = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(own_site) / "borrowed.pth").write_text("\n".join(lent) + "\n")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel], check=True)
    learner = tmp_path / "learner"
    learner.mkdir()
    where = subprocess.run(
        [python, "-c", "import gmtutor; print(gmtutor.__file__)"],
        cwd=learner,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where, f"the wheel's gmtutor should be imported, got {where}"
    subprocess.run([venv / "bin" / "gmtutor", "notebooks", "course"], cwd=learner, check=True)
    copied = learner / "course" / "00_start_here.ipynb"
    assert copied.exists()
    run = (
        "import nbformat; from nbclient import NotebookClient; "
        "nb = nbformat.read('course/00_start_here.ipynb', 4); "
        "nb.cells.append(nbformat.v4.new_code_cell('import gmtutor; print(gmtutor.__file__)')); "
        "NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': 'course'}}).execute(); "
        "print('kernel gmtutor:', nb.cells[-1].outputs[0]['text'])"
    )
    env = {"GMTUTOR_QUICK": "1", "GMTUTOR_DATA": "embedded", "GMTUTOR_CACHE_DIR": str(tmp_path / "cache")}
    env["PATH"] = f"{venv / 'bin'}:{os.environ.get('PATH', '')}"  # the kernel's "python" is the new environment's
    result = subprocess.run(
        [python, "-c", run], cwd=learner, capture_output=True, text=True, env={**os.environ, **env}, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "kernel gmtutor: " + str(venv) in result.stdout, result.stdout  # the notebook ran on the wheel
    load = "import gmtutor as gm; print(gm.zoo.get('vae-2d', gm.load_mnist('embedded')).metadata.get('shipped'))"
    env["GMTUTOR_QUICK"] = "0"  # full mode, an empty cache: the wheel's own model, not a training run
    result = subprocess.run(
        [python, "-c", load], cwd=learner, capture_output=True, text=True, env={**os.environ, **env}, timeout=600
    )
    said, shipped = result.stdout.strip().splitlines()[-2:]  # the line gm.zoo.get prints, then the file's name
    assert said.startswith("vae-2d: shipped with gmtutor; trained on the embedded subset's"), result.stdout
    assert shipped.startswith("vae-2d-embedded-full-"), result.stdout + result.stderr[-2000:]


def test_pyproject_lists_every_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "gmtutor").rglob("__init__.py")}
    assert on_disk <= listed, f"add to pyproject.toml's packages: {sorted(on_disk - listed)}"
    assert listed - on_disk == {"gmtutor.course_notebooks"}
