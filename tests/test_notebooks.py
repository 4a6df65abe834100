"""The stored notebooks read well on a page without a kernel (GitHub, nbviewer) and keep the course's rules.

nbval runs every notebook (the same `python -m pytest`); these tests read what is stored: the outputs
of the last full run, which is what a reader sees without running anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"
MAX_BYTES = 1_500_000
FROZEN_BAR = re.compile(r"(?<![0-9])0%\|")  # a tqdm bar that never moved: " 0%|" but not "100%|"


def notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(book):
    return [cell for cell in book.cells if cell.cell_type == "code"]


def has_image(outputs) -> bool:
    return any(key.startswith("image/") for output in outputs for key in output.get("data", {}))


def output_text(output) -> str:
    text = output.get("text", "")
    data = output.get("data", {})
    return "".join(text) + "".join(data.get("text/plain", "")) + "".join(data.get("text/html", ""))


@pytest.fixture(params=NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def stored(request):
    return request.param, notebook(request.param)


def test_the_course_has_its_notebooks_in_order():
    names = [path.stem for path in NOTEBOOKS]
    assert names[0] == "00_start_here" and names[-1].endswith("lab_meeting")  # the talk is always last
    numbers = [int(name[:2]) for name in names]  # 01b follows 01: a lettered notebook extends its number
    assert numbers == sorted(numbers) and sorted(set(numbers)) == list(range(numbers[-1] + 1))


def test_the_course_map_and_the_readme_list_every_notebook():
    start = notebook(NOTEBOOKS[0])
    course_map = next(cell.source for cell in start.cells if cell.source.startswith("## The course"))
    mapped = re.findall(r"^\| (\d\d[a-z]?) ", course_map, flags=re.MULTILINE)
    readme = (NOTEBOOKS[0].parents[1] / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(\d\d[a-z]?_\w+)` \|", readme, flags=re.MULTILINE)
    later = [path.stem for path in NOTEBOOKS[1:]]
    assert mapped == [name.split("_")[0] for name in later], "00's course map must list every later notebook, in order"
    assert listed == [path.stem for path in NOTEBOOKS], "the README's notebook table must list every notebook, in order"


def test_small_enough_for_a_web_page(stored):
    path, _ = stored
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size / 1e6:.2f} MB"


def test_stored_from_a_full_run_without_errors(stored):
    path, book = stored
    cells = code_cells(book)
    assert all(cell.execution_count is not None for cell in cells), f"{path.name} has cells that never ran"
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{path.name} stores an error"
    text = "\n".join(output_text(o) for o in outputs)
    ran_on = any(data in text for data in ("embedded MNIST subset", "Turkish Web Treebank", "make_moons"))  # 01b tags
    # sentences, not digits; 06b draws its two moons in the plane
    assert "Data: " in text and ran_on, f"{path.name} does not print which data it ran on"
    assert "quick mode: True" not in text and "Mode: quick" not in text, f"{path.name} was stored in quick mode"
    assert "widgets" not in book.metadata, f"{path.name} stores widget state (a kernel's, useless on a page)"


def test_no_progress_bar_is_frozen_at_zero(stored):
    path, book = stored
    for index, cell in enumerate(code_cells(book)):
        for output in cell.outputs:
            assert WIDGET not in output.get("data", {}) or "0%|" not in output_text(output), (path.name, index)
            assert not FROZEN_BAR.search(output_text(output)), f"{path.name}, code cell {index}: a bar stuck at 0%"


def test_every_widget_and_animation_has_a_picture_beside_it(stored):
    path, book = stored
    for index, cell in enumerate(code_cells(book)):
        widgets = [o for o in cell.outputs if WIDGET in o.get("data", {})]
        animations = [o for o in cell.outputs if "new Animation(" in "".join(o.get("data", {}).get("text/html", ""))]
        if widgets or animations:
            assert has_image(cell.outputs), f"{path.name}, code cell {index}: no static picture beside it"
        for output in widgets:
            assert "VBox(children" not in output_text(output), f"{path.name}, code cell {index}: raw widget text"


def test_the_first_cell_says_what_full_mnist_changes(stored):
    path, book = stored
    first = book.cells[0]
    assert first.cell_type == "markdown" and "full MNIST" in first.source, path.name


def test_exercises_end_the_notebook_each_with_a_hint_and_a_collapsed_solution(stored):
    path, book = stored
    asks = [
        i for i, cell in enumerate(book.cells) if cell.cell_type == "markdown" and cell.source.startswith("**Exercise")
    ]
    assert asks, f"{path.name} has no exercises"
    for i in asks:
        ask, answer = book.cells[i], book.cells[i + 1]
        assert "*Hint:*" in ask.source, (path.name, ask.source[:40])
        assert answer.cell_type == "code" and answer.source.startswith("# Solution to exercise"), (path.name, i)
        assert answer.metadata.get("jupyter", {}).get("source_hidden"), (path.name, i)  # collapsed in JupyterLab
        assert answer.metadata.get("slideshow", {}).get("slide_type") == "skip", (path.name, i)  # not on a slide
        assert answer.execution_count is not None, (path.name, i)  # nbval runs it; the stored run did too
    assert asks[-1] + 2 == len(book.cells), f"{path.name}: something follows the last exercise's solution"


def test_the_talk_shows_results_not_code():
    talk = notebook(NOTEBOOKS[-1])
    for index, cell in enumerate(code_cells(talk)):
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden")
        skipped = cell.metadata.get("slideshow", {}).get("slide_type") == "skip"
        assert hidden or skipped, f"the talk's code cell {index} shows its code"
    title = talk.cells[0].source
    assert "wangz10/Generative-Models" in title and "How generative models learn to create something new" in title
