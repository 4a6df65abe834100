"""The live slider app: the interpolation explorer served by Voila on 127.0.0.1, for a demo without JupyterLab.

Voila runs a small notebook in a kernel and shows only its outputs: no code, live widgets. The
notebook is written here, not shipped: one cell that calls ``gmtutor.tools.widgets.course_explorer``, which
loads the course's cached models (``zoo.get``) and builds the explorer from them.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import secrets
import socket
import tempfile
from pathlib import Path

import nbformat
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

from gmtutor.core.errors import GmtutorError
from gmtutor.present import DEFAULT_PORT, MAX_KERNELS

HOST = "127.0.0.1"
LOCAL_HOSTS_ONLY = {"allow_remote_access": False}  # jupyter_server then answers 403 to any non-local Host header
# Each page load starts a kernel with the course's models in it (hundreds of MB). Kernels idle this long are
# shut down, and at most MAX_KERNELS run at once: a reload loop cannot fill the machine's memory.
IDLE_KERNEL_SECONDS = 600
CULL_EVERY_SECONDS = 60

INTRODUCTION = """# Can a model imagine?

Pick a model, a start image (a test digit, or the centroid of a digit) and an axis from digit $b$ to
digit $a$, and drag **alpha**. The picture is $G(E(x) + \\alpha\\,(\\bar z_a - \\bar z_b))$: the start image
moved along the axis from $b$'s centroid to $a$'s in the model's latent space. It opens on the course's
seed experiment, a test 7 moved along 6 → 0. The bars are a digit classifier's probabilities for the
picture (green: $a$, blue: $b$, orange: the start's own digit)."""

# The explorer comes from one package function: the app keeps no copy of the notebooks' code.
BUILD_EXPLORER = """import gmtutor as gm

data = gm.load_mnist()
print("Data:", data.describe() + (" (quick mode: tiny models)" if gm.quick() else ""))
gm.widgets.course_explorer(data)"""


class PortUnavailable(GmtutorError, ValueError):
    """The port asked for cannot be served on (in use, or not a port)."""


class CappedKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with a cap: past ``max_kernels`` running kernels, a new page is told to
    come back later (HTTP 503) instead of starting another."""

    max_kernels = Integer(MAX_KERNELS, config=True, help="the most kernels that may run at once")

    def check_room(self) -> None:
        running = len(self.list_kernel_ids())
        if running >= self.max_kernels:
            raise web.HTTPError(
                503, f"the explorer already runs {running} kernels, its most; close a tab or wait for one to idle out"
            )

    async def start_kernel(self, *args, **kwargs):
        self.check_room()
        return await super().start_kernel(*args, **kwargs)


def explorer_notebook() -> nbformat.NotebookNode:
    """The notebook the app runs: a short introduction and the explorer built from cached models."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(INTRODUCTION), nbformat.v4.new_code_cell(BUILD_EXPLORER)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def require_voila() -> None:
    """Fail with the install command when Voila is missing."""
    if importlib.util.find_spec("voila") is None:
        raise ModuleNotFoundError(
            "`gmtutor app` needs Voila, which is not installed. Install the presenting extras: "
            'python -m pip install -e ".[present]"'
        )


def check_port(port: int, host: str = HOST) -> None:
    """Raise ``PortUnavailable`` unless ``port`` is a valid port that nothing on ``host`` listens on."""
    if not 1 <= port <= 65535:
        raise PortUnavailable(f"port {port} is not a TCP port: choose one from 1 to 65535, e.g. --port {DEFAULT_PORT}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise PortUnavailable(
                    f"port {port} on {host} is already in use (another app or notebook server?): "
                    f"stop it, or choose another port with --port, e.g. --port {port + 1}"
                ) from None
            raise PortUnavailable(
                f"cannot listen on {host}:{port}: {err.strerror}; choose another port with --port"
            ) from None


def voila_arguments(notebook: Path, port: int, token: str, max_kernels: int = MAX_KERNELS) -> list[str]:
    """Voila's command line: this notebook only, on 127.0.0.1, behind ``token``, no browser opened,
    sources hidden, no other port tried, tracebacks shown on the page if a cell fails, idle kernels culled
    and at most ``max_kernels`` running (``CappedKernelManager``).

    The token keeps other local users and web pages out: the explorer runs a kernel that executes
    code. Requests whose Host header is not a local name are refused by jupyter_server's own check
    (``LOCAL_HOSTS_ONLY``, given to Voila by ``serve``), which blocks DNS-rebinding pages from reaching the app.
    """
    return [
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={HOST}",
        f"--Voila.token={token}",
        "--Voila.port_retries=0",
        "--no-browser",
        "--strip_sources=True",
        "--show_tracebacks=True",
        "--theme=light",
        f"--VoilaConfiguration.multi_kernel_manager_class={CappedKernelManager.__module__}.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_EVERY_SECONDS}",
        "--MappingKernelManager.cull_connected=True",  # a tab left open and untouched counts as idle too
    ]


def serve(port: int = DEFAULT_PORT, data: str | None = None, max_kernels: int = MAX_KERNELS) -> None:
    """Serve the explorer at http://127.0.0.1:PORT/ until interrupted (Ctrl-C). ``data`` (``auto``,
    ``mnist`` or ``embedded``) sets ``GMTUTOR_DATA`` for the app's kernel; ``max_kernels`` caps the kernels
    (one per open page) that run at once."""
    check_port(port)  # the user's own argument first: its error holds whatever is installed
    require_voila()
    if data is not None:
        os.environ["GMTUTOR_DATA"] = data
    from voila.app import Voila

    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="gmtutor-app-") as folder:
        notebook = Path(folder) / "explorer.ipynb"
        nbformat.write(explorer_notebook(), notebook)
        print(f"The explorer will be at {app_url(port, token)} (Ctrl-C stops it).", flush=True)
        print("Models come from the cache; any that are not cached are trained when the page first opens.")
        # Voila turns jupyter_server's Host check off; turn it back on: only local names may reach the app.
        arguments = voila_arguments(notebook, port, token, max_kernels)
        Voila.launch_instance(argv=arguments, tornado_settings=LOCAL_HOSTS_ONLY)


def app_url(port: int, token: str) -> str:
    """The address to open: the app on 127.0.0.1 with its token."""
    return f"http://{HOST}:{port}/?token={token}"
