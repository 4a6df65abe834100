"""Run the whole course: execute every notebook in order and time each one (nbclient).

The runner is the course's launcher, so it makes the two process-wide choices that the package itself
never makes on import: its kernels keep freed memory (``GMTUTOR_KEEP_FREED_MEMORY=1``, measured to speed up
the convolutional models on a CPU), and the executed notebooks store their figures as compact PNGs
(``compact_figures``), which keeps a notebook full of digits small on disk and on the web.
"""

from __future__ import annotations

import base64
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


def compact_figures(notebook) -> int:
    """Store every PNG output of ``notebook`` as a compact PNG (``gmtutor.tools.plot.compact_png``); how many."""
    from gmtutor.tools.plot.style import compact_png

    count = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if isinstance(png, str):
                smaller = base64.b64encode(compact_png(base64.b64decode(png))).decode("ascii")
                if len(smaller) < len(png):
                    output["data"]["image/png"], count = smaller, count + 1
    return count


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
        compact_figures(notebook)
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, out_dir / path.name)
    return NotebookRun(path.name, time.perf_counter() - start, out_dir / path.name)


def run_course(
    out_dir: Path,
    quick: bool = False,
    folder: Path | None = None,
    on_done: Callable[[NotebookRun], None] | None = None,
    retrain: bool = False,
) -> list[NotebookRun]:
    """Execute every course notebook in order into ``out_dir``; quick mode shrinks all training.

    ``retrain=True`` trains every model afresh (``GMTUTOR_TRAIN=1``: no shipped model is used) into a new cache,
    ``out_dir/cache``, so that nothing trained before is loaded and the models can be packed for shipping
    (``python -m gmtutor.weights.build --cache out_dir/cache/checkpoints``). ``on_done(run)`` is called as each
    notebook finishes (the command line prints a line).
    """
    settings = {"GMTUTOR_QUICK": "1" if quick else "0", "GMTUTOR_KEEP_FREED_MEMORY": "1"}  # the kernels inherit them
    if retrain:
        settings |= {"GMTUTOR_TRAIN": "1", "GMTUTOR_CACHE_DIR": str(Path(out_dir).resolve() / "cache")}
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        runs = []
        for path in course_notebooks(folder):
            runs.append(run_notebook(path, out_dir))
            if on_done is not None:
                on_done(runs[-1])
        return runs
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
