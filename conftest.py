"""Test-run settings shared by the unit tests and the notebooks that nbval runs.

Notebook kernels inherit this process's environment, so setting it here puts every
notebook in quick mode on the embedded data (offline, fast) for a plain `python -m pytest`,
and lets the test run keep freed memory (faster convolutions on a CPU; gmtutor/core/allocator.py).
Set the variables yourself to override (for example GMTUTOR_QUICK=0).
"""

import os

os.environ.setdefault("GMTUTOR_QUICK", "1")
os.environ.setdefault("GMTUTOR_DATA", "embedded")
os.environ.setdefault("GMTUTOR_KEEP_FREED_MEMORY", "1")


def pytest_collectstart(collector):
    # Progress bars and warnings go to stderr; they differ between machines, so nbval
    # never compares them.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr", "application/vnd.jupyter.widget-view+json")
