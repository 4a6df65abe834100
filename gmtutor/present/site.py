"""The course as a static website, built offline from the stored notebooks (``gmtutor site``).

Sphinx with MyST-NB renders each notebook as a chapter with its stored outputs (nothing is executed),
the README as the front page, the pages in ``docs/`` (the measurement pages rendered afresh from
``benchmarks/results`` by ``gmtutor.present.pages``) and an API reference from the package's docstrings
(autodoc). Nothing is fetched at build or at view time: the theme (Furo) ships its assets, and MathJax 2
comes from the local ``npm install`` that the slides use, with SVG output, so no web font is loaded from a
``file://`` page.
Each chapter links to its slide deck (``gmtutor slides --out <site>/slides`` builds them next to it).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

from gmtutor.core.runtime import checkout_root
from gmtutor.present.pages import PAGES, render
from gmtutor.present.slides import _copy, _installed, copy_mathjax

MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS_SVG-full,Safe"  # Sphinx puts it under _static/

CONF = """
project = "gmtutor: how generative models learn to create something new"
author = "the gmtutor authors"
extensions = ["myst_nb", "sphinx.ext.autodoc"]
nb_execution_mode = "off"  # the notebooks are stored with the outputs of a full run
myst_enable_extensions = ["dollarmath", "amsmath"]
html_theme = "furo"
html_title = "gmtutor"
html_static_path = ["_static"]
mathjax_path = "{mathjax}"
mathjax2_config = {{"tex2jax": {{  # as Sphinx configures MathJax 2 itself
    "inlineMath": [["\\\\(", "\\\\)"]],
    "displayMath": [["\\\\[", "\\\\]"]],
    "processRefs": False,
    "processEnvironments": False,
    "ignoreClass": "tex2jax_ignore|mathjax_ignore|document",
    "processClass": "tex2jax_process|mathjax_process|math|output_area",
}}}}
# The stored notebooks keep no widget state: a live widget's output shows the picture it carries instead.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
autodoc_member_order = "bysource"
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header", "myst.xref_missing", "misc.highlighting_failure"]
exclude_patterns = ["_build"]
"""

API_MODULES = (
    "gmtutor",
    "gmtutor.core.data",
    "gmtutor.core.train",
    "gmtutor.models.base",
    "gmtutor.models.vae",
    "gmtutor.models.gan",
    "gmtutor.models.flow",
    "gmtutor.models.diffusion",
    "gmtutor.models.denoiser",
    "gmtutor.zoo.recipes",
    "gmtutor.zoo.cache",
    "gmtutor.zoo.results",
    "gmtutor.tools.latent",
    "gmtutor.tools.imagination",
    "gmtutor.tools.realism",
    "gmtutor.tools.scoreboard",
    "gmtutor.tools.sampling",
)


# The pages in docs/, in the order the site lists them after the chapters.
DOC_PAGES = ("using", "data", "cache", "presenting", "hardware", "how-fast", "how-well")


def _front_page(readme: str, notebooks: list[str]) -> str:
    chapters = "\n".join(f"notebooks/{name}" for name in notebooks)
    pages = "\n".join(f"docs/{name}" for name in DOC_PAGES)
    return (
        f"{readme}\n\n```{{toctree}}\n:caption: The course\n:maxdepth: 1\n\n{chapters}\n```\n\n"
        f"```{{toctree}}\n:caption: More\n:maxdepth: 1\n\n{pages}\napi\n```\n"
    )


def _api_page() -> str:
    blocks = [f"## `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}\n   :members:\n```\n" for name in API_MODULES]
    return "# API reference\n\nGenerated from the package's docstrings.\n\n" + "\n".join(blocks)


REMOTE_STYLESHEET = re.compile(r"<link[^>]+href=[\"']https?://[^>]*>")


def _with_slide_link(notebook: Path, target: Path) -> None:
    """Copy a notebook, adding a first cell that links to its deck (built by ``gmtutor slides``), and drop
    stylesheets that stored HTML outputs fetch from the web (matplotlib's animation controls link Font
    Awesome from a CDN: the buttons keep working, without their icons)."""
    import nbformat

    book = nbformat.read(notebook, as_version=4)
    for cell in book.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html is not None:
                text = "".join(html) if isinstance(html, list) else html
                output["data"]["text/html"] = REMOTE_STYLESHEET.sub("", text)
    deck = f"{notebook.stem}.slides.html"
    # an HTML link, which Sphinx leaves as it is (a Markdown link to a file outside the site becomes "#")
    link = (
        f'<p><em>Slides of this chapter: <a class="slides-link" href="../slides/{deck}">{deck}</a> '
        "(offline; <code>gmtutor slides --out &lt;site&gt;/slides</code> builds them).</em></p>"
    )
    book.cells.insert(1, nbformat.v4.new_markdown_cell(link))
    nbformat.write(book, target)


def build_site(out: str | Path = "site", notebooks: Path | None = None) -> Path:
    """Build the website into ``out`` and return the path of its front page, ``out/index.html``."""
    from sphinx.cmd.build import build_main

    root = checkout_root()
    notebooks = notebooks or root / "notebooks"
    books = sorted(notebooks.glob("[0-9]*.ipynb"))
    if not books:
        raise FileNotFoundError(f"no notebooks in {notebooks}")
    out = Path(out).resolve()
    mathjax = _installed("mathjax/MathJax.js", "MathJax 2").parent
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch)
        static = source / "_static"
        copy_mathjax(mathjax, static / "mathjax")
        # the combined configuration also loads the accessibility menu, which the decks' copy leaves out
        shutil.copytree(mathjax / "extensions" / "a11y", static / "mathjax" / "extensions" / "a11y")
        (source / "docs").mkdir()
        for picture in (root / "docs").glob("*.png"):
            _copy(picture, source / "docs" / picture.name)
        measured = {name: render(name) for name in PAGES}  # from benchmarks/results, as they are now
        for name in DOC_PAGES:
            text = measured.get(name) or (root / "docs" / f"{name}.md").read_text(encoding="utf-8")
            (source / "docs" / f"{name}.md").write_text(text, encoding="utf-8")
        (source / "notebooks").mkdir()
        for book in books:
            _with_slide_link(book, source / "notebooks" / book.name)
        readme = (root / "README.md").read_text(encoding="utf-8")
        (source / "index.md").write_text(_front_page(readme, [b.stem for b in books]), encoding="utf-8")
        (source / "api.md").write_text(_api_page(), encoding="utf-8")
        (source / "conf.py").write_text(CONF.format(mathjax=MATHJAX_URL), encoding="utf-8")
        # built inside the scratch folder (MyST-NB writes its jupyter_execute/ beside the output), warnings as
        # errors: a docstring that does not render, or a broken reference, fails the build
        built = source / "_build" / "html"
        arguments = ["-b", "html", "-q", "-W", "--keep-going", "-d", str(source / "_build" / "doctrees")]
        status = build_main([*arguments, str(source), str(built)])
        if status != 0:
            raise RuntimeError(f"Sphinx failed to build the site (exit status {status}); its messages are above")
        shutil.copytree(built, out, dirs_exist_ok=True)
    return out / "index.html"


def main(out: str = "site") -> None:
    start = time.perf_counter()
    index = build_site(out)
    size = sum(path.stat().st_size for path in index.parent.rglob("*") if path.is_file())
    print(f"built {index} in {time.perf_counter() - start:.1f} s, {size / 1e6:.1f} MB; open it in a browser")


if __name__ == "__main__":
    main()


__all__ = ["build_site"]
