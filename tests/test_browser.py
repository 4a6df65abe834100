"""The course in a real browser: headless Chromium (Debian's package) driven by Playwright.

1. `gmtutor app` serves the explorer on 127.0.0.1; moving the alpha slider must change the picture
   and show no error. The screenshot goes to the test's tmp folder, and also to the path in
   GMTUTOR_EXPLORER_SCREENSHOT when that is set (how docs/explorer.png is made).
2. A deck from `gmtutor slides` opens from file:// with no request leaving the machine, its
   equations typeset and its stored animation running.

Without Chromium, Playwright or Voila these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("GMTUTOR_CHROMIUM", "/usr/bin/chromium"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
APP_START_SECONDS = 60  # until the server listens
EXPLORER_READY_MS = 300_000  # until the slider shows: the kernel loads (or trains, in quick mode) the models
ERROR_TEXT = re.compile(r"Traceback|Error\b|error when executing", re.IGNORECASE)


def require(*needs: tuple[bool, str]) -> None:
    """Skip (fail under CI=true) unless every need is met; each need is (met, what to install)."""
    missing = [what for met, what in needs if not met]
    if not missing:
        return
    reason = "needs " + "; ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, so the browser tests must run, but this machine {reason}")
    pytest.skip(reason)


def require_browser() -> None:
    require(
        (CHROMIUM.is_file(), f"Chromium at {CHROMIUM} (apt-get install chromium, or set GMTUTOR_CHROMIUM)"),
        (importlib.util.find_spec("playwright") is not None, "Playwright (pip install -e '.[present]')"),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def listening_server(command: list[str], port: int, log: Path, what: str):
    """Start ``command`` (a server for ``port``) with its output in ``log``; yield once it listens, stop it after."""
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + APP_START_SECONDS
            while not listening(port):
                assert server.poll() is None, f"{what} exited: {log.read_text()}"
                assert time.monotonic() < deadline, f"{what} did not listen within {APP_START_SECONDS} s"
                time.sleep(0.2)
            yield
        finally:
            server.terminate()  # Voila and JupyterLab shut their kernels down on SIGTERM
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def app(tmp_path):
    """`gmtutor app` on a free port, started as a user would; yields its URL, stops it afterwards."""
    require_browser()
    require((importlib.util.find_spec("voila") is not None, "Voila (pip install -e '.[present]')"))
    port = free_port()
    command = [sys.executable, "-m", "gmtutor.cli", "app", "--port", str(port)]
    with listening_server(command, port, tmp_path / "app.log", "gmtutor app"):
        printed = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", (tmp_path / "app.log").read_text())
        assert printed, f"gmtutor app printed no address with a token: {(tmp_path / 'app.log').read_text()}"
        yield printed.group(0)


def status_of(url: str, host: str | None = None) -> int:
    """The HTTP status a plain request gets (redirects not followed), optionally with another Host header."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(
        "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Host": host or parts.netloc}
    )
    status = connection.getresponse().status
    connection.close()
    return status


def test_the_app_needs_its_token_and_a_local_host_name(app):
    base = app.split("?")[0]
    assert status_of(base) in (302, 401, 403)  # without the token: a login page or a refusal, never the app
    assert status_of(base + "?token=wrong") in (302, 401, 403)
    assert status_of(app, host="attacker.example:80") == 403  # a DNS-rebinding page names another host
    assert status_of(app) == 200


def image_bytes(image) -> bytes:
    """The bytes behind an <img> as the browser holds them (ipywidgets shows images as blob: URLs)."""
    script = "async img => Array.from(new Uint8Array(await (await fetch(img.src)).arrayBuffer()))"
    return bytes(image.evaluate(script))


def test_alpha_slider_changes_the_picture_in_a_real_browser(app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 820})
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(app, wait_until="commit")

            alpha = page.locator(".widget-hslider").filter(has=page.get_by_text("alpha", exact=True))
            handle = alpha.locator(".noUi-handle")
            handle.wait_for(timeout=EXPLORER_READY_MS)
            picture = page.locator("img.widget-image[width='196']")
            before = image_bytes(picture)
            assert before.startswith(PNG_SIGNATURE)

            handle.focus()
            for _ in range(10):  # one step of 0.05 per key
                handle.press("ArrowRight")
            expect(alpha.locator(".widget-readout")).to_have_text("0.50")
            deadline = time.monotonic() + 20
            while (after := image_bytes(picture)) == before and time.monotonic() < deadline:
                page.wait_for_timeout(100)  # the kernel decodes the new code and sends the PNG back
            assert after.startswith(PNG_SIGNATURE) and after != before

            shown = page.locator("body").inner_text()
            assert "classifier: p(digit)" in shown and "Data:" in shown
            assert not ERROR_TEXT.search(shown), shown
            assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
            assert page_errors == []

            page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
            if os.environ.get("GMTUTOR_EXPLORER_SCREENSHOT"):
                page.screenshot(path=os.environ["GMTUTOR_EXPLORER_SCREENSHOT"], full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "explorer.png").read_bytes().startswith(PNG_SIGNATURE)


def test_a_deck_opens_offline_in_a_real_browser(tmp_path):
    require_browser()
    require(((ROOT / "node_modules" / "reveal.js").is_dir(), "node_modules/ (npm install in the repository's root)"))
    from playwright.sync_api import sync_playwright

    from gmtutor.present.slides import build_decks

    notebook = ROOT / "notebooks" / "07_lab_meeting.ipynb"  # the talk; it stores the alpha sweep as an animation
    (deck,) = build_decks(tmp_path / "slides", notebooks=[notebook])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(deck.as_uri())
            page.wait_for_selector(".reveal.ready", timeout=30_000)  # reveal.js started
            page.wait_for_function("document.querySelectorAll('.MathJax_SVG').length > 10", timeout=30_000)
            frame = page.locator(".animation img").first  # the stored alpha sweep; its script sets the frame
            frame.wait_for(state="attached", timeout=10_000)
            assert (frame.get_attribute("src") or "").startswith("data:image/png;base64,")
            assert page_errors == []
            assert [url for url in requested if not url.startswith(("file:", "data:", "blob:"))] == []
        finally:
            browser.close()


def test_every_notebook_reads_as_a_web_page_without_scripts(tmp_path):
    """nbconvert's HTML of each stored notebook, opened with JavaScript switched off (as GitHub and many
    readers show notebooks): every stored figure loads, and no widget shows as its raw text."""
    require_browser()
    import nbformat
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    exporter = HTMLExporter()
    pages = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        stored = sum(
            1
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if any(key in output.get("data", {}) for key in ("image/png", "image/jpeg"))
        )
        page, _ = exporter.from_notebook_node(notebook)
        (tmp_path / f"{path.stem}.html").write_text(page, encoding="utf-8")
        pages[path.stem] = stored
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
            context.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort(),
            )
            page = context.new_page()
            for name, stored in pages.items():
                page.goto((tmp_path / f"{name}.html").as_uri())
                shown = page.locator(".jp-OutputArea-output img").evaluate_all(
                    "images => images.map(image => image.complete && image.naturalWidth > 0)"
                )
                assert len(shown) >= stored > 0 and all(shown), (name, stored, shown.count(False))
                text = page.locator("body").inner_text()
                assert "VBox(children" not in text and "0%|" not in text.replace("100%|", ""), name
            if os.environ.get("GMTUTOR_PAGE_SCREENSHOT"):
                page.goto((tmp_path / "05_latent_interpolation.html").as_uri())
                page.screenshot(path=os.environ["GMTUTOR_PAGE_SCREENSHOT"], full_page=False)
        finally:
            browser.close()


def test_the_course_website_builds_and_reads_offline(tmp_path):
    """`gmtutor site`: every page opens from file://, every figure loads, the equations are typeset, and
    no request leaves the machine. Saves a screenshot of the front page (the README) beside the site."""
    require_browser()
    require(((ROOT / "node_modules" / "mathjax").is_dir(), "node_modules/ (npm install in the repository's root)"))
    require((importlib.util.find_spec("sphinx") is not None, "Sphinx and MyST-NB (pip install -e '.[site]')"))
    from playwright.sync_api import sync_playwright

    from gmtutor.present.site import DOC_PAGES, build_site
    from gmtutor.present.slides import build_decks

    index = build_site(tmp_path / "site")
    chapters, documents = (
        sorted((index.parent / "notebooks").glob("*.html")),
        sorted((index.parent / "docs").glob("*.html")),
    )
    pages = [index, *chapters, *documents, index.parent / "api.html"]
    assert len(chapters) == len(list((ROOT / "notebooks").glob("[0-9]*.ipynb")))
    assert sorted(page.stem for page in documents) == sorted(DOC_PAGES)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            for html in pages:
                page.goto(html.as_uri())
                page.wait_for_load_state("load")
                broken = page.evaluate(
                    "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
                )
                assert broken == [], f"{html.name}: figures that do not load: {broken[:3]}"
                if html.stem == "06b_diffusion":  # a chapter full of equations
                    page.wait_for_function("document.querySelectorAll('.MathJax_SVG').length > 20", timeout=60_000)
                if html.stem == "06c_diffusion_mnist":  # a chapter full of figures
                    figures = page.evaluate("document.images.length")
                    assert figures >= 10, f"the diffusion chapter on MNIST shows {figures} figures"
            page.goto(index.as_uri())
            page.screenshot(path=str(tmp_path / "site-front-page.png"))
            first = ROOT / "notebooks" / "00_start_here.ipynb"
            build_decks(index.parent / "slides", notebooks=[first])  # as `gmtutor slides --out <site>/slides` does
            page.goto((index.parent / "notebooks" / f"{first.stem}.html").as_uri())
            page.click("a.slides-link")  # the chapter's link lands on its deck
            page.wait_for_load_state("load")
            assert page.url.split("#")[0].endswith(f"/slides/{first.stem}.slides.html"), page.url  # reveal.js adds #/
            assert page.locator(".reveal .slides section").count() > 0
        finally:
            browser.close()
    outside = [url for url in requested if not url.startswith(("file:", "data:", "blob:", "about:"))]
    assert outside == [], f"requests that left the machine: {outside[:5]}"
    assert (tmp_path / "site-front-page.png").stat().st_size > 10_000


EXPLORER_NOTEBOOK = """import gmtutor as gm
from gmtutor.tools.latent import PixelSpace

data = gm.load_mnist("embedded").per_class(20, 10)
gm.widgets.interpolation_explorer({"pixels": PixelSpace()}, data)"""


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a free port of 127.0.0.1, serving ``tmp_path``; yields (base URL, token)."""
    require_browser()
    require((importlib.util.find_spec("jupyterlab") is not None, "JupyterLab (pip install -e '.[lab]')"))
    port, token = free_port(), "gmtutor-test-token"
    command = [
        *(sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1"),
        *(
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
            "--LabApp.expose_app_in_browser=True",
            "--allow-root",  # CI runs as root
        ),
    ]
    with listening_server(command, port, tmp_path / "lab.log", "JupyterLab"):
        yield f"http://127.0.0.1:{port}", token


def test_in_jupyterlab_the_explorer_keeps_its_shape_and_its_picture_shows_only_without_a_kernel(lab, tmp_path):
    """Live, the explorer's picture is drawn square and no second, stale picture sits under the widget; the
    same notebook stored and opened again without running shows the picture instead of the widget."""
    import nbformat
    from playwright.sync_api import sync_playwright

    from gmtutor.present.course import run_notebook

    base, token = lab
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.cells = [nbformat.v4.new_code_cell(EXPLORER_NOTEBOOK)]
    nbformat.write(book, tmp_path / "live.ipynb")
    run_notebook(tmp_path / "live.ipynb", tmp_path / "stored")  # executed and stored, as the course's are
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/lab/tree/live.ipynb?token={token}")
            idle = "window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'"
            page.wait_for_function(idle, timeout=120_000)  # the notebook is open and its kernel ready
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            picture = page.locator(".jp-OutputArea-output img.widget-image[width='196']")
            picture.wait_for(timeout=EXPLORER_READY_MS)
            box = picture.bounding_box()
            assert abs(box["width"] - 196) < 1.5 and abs(box["height"] - 196) < 1.5, box  # square, not stretched
            outputs = page.locator(".jp-OutputArea-output")
            assert outputs.count() == 1 and page.locator(".jp-OutputArea-output > img").count() == 0  # no stale copy
            page.screenshot(path=str(tmp_path / "lab-live.png"))

            page.goto(f"{base}/lab/tree/stored/live.ipynb?reset&token={token}")  # opened alone, nothing run
            stored = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img")
            stored.first.wait_for(timeout=90_000)
            assert "widget-image" not in (stored.first.get_attribute("class") or "")
            assert stored.first.evaluate("i => i.complete && i.naturalWidth > 400")  # the explorer's picture
            assert "Error displaying widget" not in page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").inner_text()
            page.screenshot(path=str(tmp_path / "lab-stored.png"))
        finally:
            browser.close()
