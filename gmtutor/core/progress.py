"""Progress bars that end in a readable state, in a live notebook and on a page without a kernel.

In a terminal the bar is tqdm's text bar on stderr. In a notebook kernel it is tqdm's widget, shown
with a display id; when the work finishes, that output is replaced by one line of text with the
final state (``VAE: 100%|██████████| 930/930 [00:10, 92.4step/s, loss 160]``). A stored notebook
therefore keeps the finished line, not a widget that a web page shows as ``0%|`` forever.
"""

from __future__ import annotations

from typing import Any

from tqdm.std import tqdm as text_tqdm


def in_notebook_kernel() -> bool:
    """True when this code runs in a Jupyter kernel (JupyterLab, nbclient, nbval, Voila)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def progress_bar(total: int | None, desc: str, unit: str = "step", enabled: bool = True, **options: Any) -> text_tqdm:
    """A tqdm bar for ``total`` units: a widget that leaves a finished line in a notebook, text elsewhere.

    ``enabled=False`` gives a silent bar. Extra ``options`` go to tqdm (``unit_scale``, ...).
    """
    if enabled and in_notebook_kernel():
        try:
            return _bar_that_finishes()(total=total, desc=desc, unit=unit, **options)
        except ImportError:  # no ipywidgets: tqdm's text bar still works
            pass
    return text_tqdm(total=total, desc=desc, unit=unit, disable=not enabled, **options)


def _bar_that_finishes() -> type:
    """tqdm's notebook widget, displayed with a display id and replaced by its final text on ``close``."""
    from IPython.display import Pretty, display
    from tqdm.notebook import tqdm as notebook_tqdm

    class FinishingBar(notebook_tqdm):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, display=False, **kwargs)
            self._handle = display(self.container, display_id=True) if not self.disable else None
            self.displayed = True

        def close(self) -> None:
            finished = not self.disable and (self.total is None or self.n >= self.total)
            super().close()
            if finished and self._handle is not None:
                self._handle.update(Pretty(self.format_meter(**self.format_dict)))
                self._handle = None

    return FinishingBar
