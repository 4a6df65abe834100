"""`gmtutor course`, `train` and `cache`: run notebooks in order, name the failing cell; fill and list the cache."""

import os

import nbformat
import pytest

import gmtutor as gm
from gmtutor.cli import main
from gmtutor.present.course import NotebookFailed, run_course


def write_notebook(path, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def test_course_runs_notebooks_in_order_in_quick_mode(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    write_notebook(book / "02_second.ipynb", "import os; print(os.environ['GMTUTOR_QUICK'])")
    write_notebook(book / "01_first.ipynb", "print(1 + 1)")
    write_notebook(book / "helper.ipynb", "raise SystemExit('not part of the course')")
    finished = []
    runs = run_course(tmp_path / "out", quick=True, folder=book, on_done=lambda run: finished.append(run.name))
    assert [r.name for r in runs] == ["01_first.ipynb", "02_second.ipynb"] == finished  # reported as each ends
    executed = nbformat.read(tmp_path / "out" / "02_second.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "1"


def test_retrain_trains_every_model_afresh_into_a_cache_of_its_own(tmp_path, monkeypatch):
    monkeypatch.delenv("GMTUTOR_TRAIN", raising=False)
    book = tmp_path / "book"
    book.mkdir()
    source = "import os; print(os.environ['GMTUTOR_TRAIN'], os.environ['GMTUTOR_CACHE_DIR'])"
    write_notebook(book / "01_env.ipynb", source)
    run_course(tmp_path / "out", quick=True, folder=book, retrain=True)
    executed = nbformat.read(tmp_path / "out" / "01_env.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].split() == ["1", str((tmp_path / "out" / "cache").resolve())]
    assert "GMTUTOR_TRAIN" not in os.environ  # the caller's settings come back


def test_a_failing_cell_is_named(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    write_notebook(book / "01_broken.ipynb", "x = 1", "1 / 0")
    with pytest.raises(NotebookFailed, match=r"01_broken.ipynb: cell 1 failed: .*ZeroDivisionError"):
        run_course(tmp_path / "out", folder=book)
    assert (tmp_path / "out" / "01_broken.ipynb").exists()  # the partial run is kept for reading


def test_train_and_cache_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    assert main(["train", "vae-2d", "--data", "embedded", "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "vae-2d: loss" in out and "test_loss" in out
    assert main(["cache", "list"]) == 0
    assert "vae-2d" in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert "removed 1 file" in capsys.readouterr().out
    assert gm.zoo.cached() == []
