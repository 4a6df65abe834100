"""Run the whole course: execute every notebook in order and time each one (nbclient)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gmtutor.core.errors import GmtutorError
from gmtutor.core.runtime import checkout_root


class NotebookFailed(GmtutorError, RuntimeError):
    """A notebook's cell raised an error while the course ran."""


@dataclass
class NotebookRun:
    name: str
    seconds: float
    output: Path


def notebooks_dir() -> Path:
    """The course's ``notebooks/`` folder in the source checkout this package runs from."""
    folder = checkout_root() / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no notebooks folder at {folder}: the course runs from a clone of the repository "
            "(git clone, then python -m pip install -e .)"
        )
    return folder


def course_notebooks(folder: Path | None = None) -> list[Path]:
    """The numbered notebooks, in order."""
    folder = folder or notebooks_dir()
    return sorted(p for p in folder.glob("[0-9][0-9]*.ipynb"))  # 01b_... sorts after 01_...


def _has_error(cell) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def run_notebook(path: Path, out_dir: Path, timeout: int = 1800) -> NotebookRun:
    """Execute one notebook (working directory: its own folder) and write the executed copy to ``out_dir``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,  # widgets need a kernel; the stored pictures beside them are what pages show
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        failed = next(
            (
                i
                for i, cell in enumerate(notebook.cells)
                if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            ),
            None,
        )
        where = f"cell {failed}" if failed is not None else "a cell"
        summary = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise NotebookFailed(f"{path.name}: {where} failed: {summary}") from None
    finally:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, out_dir / path.name)
    return NotebookRun(path.name, time.perf_counter() - start, out_dir / path.name)


def run_course(
    out_dir: Path,
    quick: bool = False,
    folder: Path | None = None,
    on_done: Callable[[NotebookRun], None] | None = None,
) -> list[NotebookRun]:
    """Execute every course notebook in order into ``out_dir``; quick mode shrinks all training.

    ``on_done(run)`` is called as each notebook finishes (the command line prints a line).
    """
    previous = os.environ.get("GMTUTOR_QUICK")
    os.environ["GMTUTOR_QUICK"] = "1" if quick else "0"
    try:
        runs = []
        for path in course_notebooks(folder):
            runs.append(run_notebook(path, out_dir))
            if on_done is not None:
                on_done(runs[-1])
        return runs
    finally:
        if previous is None:
            os.environ.pop("GMTUTOR_QUICK", None)
        else:
            os.environ["GMTUTOR_QUICK"] = previous
