"""The course's notebooks as the package ships them, and copying them into a learner's folder.

A wheel of gmtutor carries the notebooks (stored with their outputs) as ``gmtutor/course_notebooks``;
a checkout has them in ``notebooks/``. ``copy_notebooks`` puts them in a folder to open in JupyterLab
(``gmtutor notebooks DIR``). A learner's edited copy is never replaced unless asked: a notebook that is
already there and differs from the shipped one is kept, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gmtutor.core.files import write_atomically
from gmtutor.core.runtime import checkout_root

PACKAGED = Path(__file__).resolve().parents[1] / "course_notebooks"


def shipped_notebooks() -> list[Path]:
    """The course notebooks, in order: from the installed package, else from the checkout's ``notebooks/``."""
    for folder in (PACKAGED, checkout_root() / "notebooks"):
        found = sorted(folder.glob("[0-9]*.ipynb"))
        if found:
            return found
    raise FileNotFoundError(
        f"no course notebooks in {PACKAGED} or {checkout_root() / 'notebooks'}; reinstall gmtutor from its wheel "
        "(python -m pip install --force-reinstall gmtutor) or clone the repository"
    )


@dataclass
class CopyReport:
    """What ``copy_notebooks`` did with each notebook, by file name."""

    folder: Path
    copied: list[str] = field(default_factory=list)  # new in the folder
    unchanged: list[str] = field(default_factory=list)  # already there, identical
    kept: list[str] = field(default_factory=list)  # already there and different: the learner's edits, left alone
    replaced: list[str] = field(default_factory=list)  # already there and different, replaced (overwrite=True)


def copy_notebooks(folder: str | Path, overwrite: bool = False) -> CopyReport:
    """Copy every course notebook into ``folder`` (made if needed). A notebook already there that differs
    from the course's is kept unless ``overwrite``; each file is written whole or not at all."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file; give a folder to copy the notebooks into")
    report = CopyReport(folder)
    for source in shipped_notebooks():
        target, payload = folder / source.name, source.read_bytes()
        if not target.exists():
            write_atomically(target, payload)
            report.copied.append(source.name)
        elif target.read_bytes() == payload:
            report.unchanged.append(source.name)
        elif overwrite:
            write_atomically(target, payload)
            report.replaced.append(source.name)
        else:
            report.kept.append(source.name)
    return report
