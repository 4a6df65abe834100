"""Every notebook as a reveal.js deck that opens offline, and the rules that cut a notebook into slides.

Two steps make a notebook a deck:

1. **Slide metadata.** Jupyter keeps a ``slideshow.slide_type`` per cell: ``slide`` opens a slide,
   ``subslide`` opens one below it, ``fragment`` appears on the next key press, ``-`` continues the
   current slide, ``notes`` goes to the speaker view, ``skip`` is left out. ``assign_slide_types``
   sets it by rule, so that headings cut the deck and import cells stay out.
2. **Decks.** ``build_decks`` runs nbconvert's reveal.js exporter and copies the browser libraries
   it loads (reveal.js 4, RequireJS, jQuery, MathJax 2, all from ``npm install``) next to the decks,
   so a deck opens from ``file://`` with no network. Live widgets need a kernel, so a static deck
   leaves them out; stored animations (``to_jshtml``) play as they are.
"""

from __future__ import annotations

import ast
import copy
import html
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gmtutor.core.runtime import checkout_root


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """The notebook at ``path``; a ``ValueError`` naming the file when it is not a readable notebook."""
    try:
        return nbformat.read(path, as_version=4)
    except (ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError) as err:
        first_line = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValueError(f"{path} is not a readable Jupyter notebook ({first_line}): check the file") from None


SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")

# Choices the rules never overrule: an author who set one of these meant it. "slide" and "-" (the
# default a notebook editor writes) are decided by the rules.
KEPT_CHOICES = frozenset({"subslide", "fragment", "skip", "notes"})

SPEAKER_NOTES_MARK = "Speaker notes:"

# --------------------------------------------------------------------------- slide metadata


def slide_type(cell: nbformat.NotebookNode, previous: nbformat.NotebookNode | None = None) -> str:
    """The slide type the rules give ``cell`` after ``previous`` (the first shown cell always opens a slide).

    Markdown: ``#`` or ``##`` headings open a slide, a cell starting with "Speaker notes:" becomes
    speaker notes, ``###`` opens a subslide. Other text continues the slide, unless it follows a
    figure: then it opens a subslide, so that a long section becomes a column of slides, one
    figure each. Code: a cell of imports only is skipped (nothing to show an audience), any other
    continues the slide. Raw cells are skipped.
    """
    if cell.cell_type == "markdown":
        first_line = cell.source.lstrip().split("\n", 1)[0]
        if first_line.startswith(("# ", "## ")):
            return "slide"
        if first_line.startswith(SPEAKER_NOTES_MARK):
            return "notes"
        if first_line.startswith("### ") or (previous is not None and shows_figure(previous)):
            return "subslide"
        return "-"
    if cell.cell_type == "code":
        return "skip" if imports_only(cell.source) else "-"
    return "skip"


def shows_figure(cell: nbformat.NotebookNode) -> bool:
    """True for a code cell whose stored outputs include an image."""
    outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
    return any(key.startswith("image/") for output in outputs for key in output.get("data", {}))


def imports_only(source: str) -> bool:
    """True for code that only imports (comments, blank lines and ``%`` magics aside)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        statements = ast.parse("\n".join(lines)).body
    except SyntaxError:
        return False
    return bool(statements) and all(isinstance(s, ast.Import | ast.ImportFrom) for s in statements)


def assign_slide_types(notebook: nbformat.NotebookNode) -> int:
    """Give every cell of ``notebook`` a slide type, in place; return how many cells changed.

    Explicit ``subslide``, ``fragment``, ``skip`` and ``notes`` choices are kept; ``slide``, ``-``,
    missing or unknown types are set by ``slide_type``. The first cell that is shown opens a slide.
    The rules read stored outputs (text after a figure opens a subslide): run it on executed notebooks.
    """
    changed = 0
    opened = False
    for index, cell in enumerate(notebook.cells):
        current = cell.metadata.get("slideshow", {}).get("slide_type")
        wanted = current if current in KEPT_CHOICES else slide_type(cell, notebook.cells[index - 1] if index else None)
        if not opened and wanted not in {"skip", "notes"}:
            wanted, opened = "slide", True
        if wanted != current:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = wanted
            changed += 1
    return changed


def assign_slide_types_in_file(path: str | Path) -> int:
    """``assign_slide_types`` on a stored notebook: only cell metadata changes, outputs stay as they are."""
    notebook = read_notebook(path)
    changed = assign_slide_types(notebook)
    if changed:
        nbformat.write(notebook, path)
    return changed


# --------------------------------------------------------------------------- the browser libraries a deck loads

# Where each library's files go, relative to the decks (these are the URLs written into the HTML).
REVEAL_PREFIX = "reveal.js"
REQUIRE_JS = "lib/require.js"
JQUERY = "lib/jquery.min.js"
MATHJAX = "lib/mathjax/MathJax.js?config=TeX-AMS_SVG-full,Safe"

# The part of MathJax 2 that TeX input with SVG output needs. SVG output draws glyphs as paths, so no
# web font is loaded (browsers refuse fonts from file:// pages).
MATHJAX_PARTS = (
    "MathJax.js",
    "config/TeX-AMS_SVG-full.js",
    "config/Safe.js",
    "extensions",
    "jax/input/TeX",
    "jax/element",
    "jax/output/SVG/jax.js",
    "jax/output/SVG/config.js",
    "jax/output/SVG/autoload",
    "jax/output/SVG/fonts/TeX",
    "localization/en",
)

REVEAL_FILES = ("dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "plugin/notes/notes.js")

NPM_FIX = "Run `npm install` in the repository's root: it installs the versions pinned in package.json."


@dataclass(frozen=True)
class WebLibraries:
    """Local copies of what a deck loads: reveal.js 4 (a folder with dist/ and plugin/), RequireJS,
    jQuery, and MathJax 2 (a folder with MathJax.js)."""

    reveal: Path
    require_js: Path
    jquery: Path
    mathjax: Path


def node_modules_folders() -> list[Path]:
    """Where ``npm install`` may have put the libraries: the checkout's root, then the working directory."""
    folders = [checkout_root() / "node_modules", Path.cwd() / "node_modules"]
    return list(dict.fromkeys(folder.resolve() for folder in folders))


def _installed(relative: str, what: str) -> Path:
    searched = node_modules_folders()
    for folder in searched:
        if (folder / relative).exists():
            return folder / relative
    places = ", ".join(str(folder) for folder in searched)
    raise FileNotFoundError(f"{what} is not installed locally (looked for {relative} in {places}). {NPM_FIX}")


def find_web_libraries(reveal: str | Path | None = None) -> WebLibraries:
    """The local libraries for offline decks; ``reveal`` points at another reveal.js 4 folder."""
    if reveal is None:
        reveal_folder = _installed("reveal.js", "reveal.js")
    else:
        reveal_folder = Path(reveal).expanduser().resolve()
    missing = [name for name in REVEAL_FILES if not (reveal_folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{reveal_folder} is not a reveal.js 4 folder: {', '.join(missing)} missing. Pass --reveal with the "
            f"folder that holds reveal.js's dist/ and plugin/, or leave it out to use node_modules/reveal.js. {NPM_FIX}"
        )
    return WebLibraries(
        reveal=reveal_folder,
        require_js=_installed("requirejs/require.js", "RequireJS"),
        jquery=_installed("jquery/dist/jquery.min.js", "jQuery"),
        mathjax=_installed("mathjax/MathJax.js", "MathJax 2").parent,
    )


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("a11y", "*.map"))
    else:
        shutil.copy2(source, target)


def copy_web_libraries(libraries: WebLibraries, out: Path) -> None:
    """Copy the libraries into ``out`` at the places the decks' URLs name."""
    for part in ("dist", "plugin"):
        _copy(libraries.reveal / part, out / REVEAL_PREFIX / part)
    _copy(libraries.require_js, out / REQUIRE_JS)
    _copy(libraries.jquery, out / JQUERY)
    copy_mathjax(libraries.mathjax, (out / MATHJAX.split("?")[0]).parent)


def copy_mathjax(mathjax: Path, folder: Path) -> None:
    """Copy the part of MathJax 2 that TeX input with SVG output needs (``MATHJAX_PARTS``) into ``folder``."""
    for part in MATHJAX_PARTS:
        _copy(mathjax / part, folder / part)


# --------------------------------------------------------------------------- static decks

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# matplotlib's to_jshtml() draws its buttons with an icon font fetched from a CDN. Offline, the same
# buttons get plain characters instead.
_ICON_FONT_LINK = re.compile(r"<link[^>]*font-awesome[^>]*>", re.IGNORECASE)
ANIMATION_BUTTONS_CSS = """<style>
.fa { font-style: normal; display: inline-block; }
.fa-flip-horizontal { transform: scaleX(-1); }
.fa-play:before { content: "\\25B6"; }
.fa-pause:before { content: "\\275A\\275A"; }
.fa-step-forward:before { content: "\\25B6|"; }
.fa-fast-forward:before { content: "\\25B6\\25B6|"; }
.fa-step-backward:before { content: "|\\25C0"; }
.fa-fast-backward:before { content: "|\\25C0\\25C0"; }
.fa-minus:before { content: "\\2212"; }
.fa-plus:before { content: "+"; }
</style>"""


def static_copy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` for a deck without a kernel: live widgets (sliders, progress bars) and their
    saved state left out (a widget's output that carries a picture keeps the picture), animations' button
    icons drawn without a web font, and the code of cells whose input is collapsed in JupyterLab
    (``jupyter.source_hidden``) left out too."""
    deck = copy.deepcopy(notebook)
    deck.metadata.pop("widgets", None)
    for cell in deck.cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("jupyter", {}).get("source_hidden"):
            cell.metadata["transient"] = {"remove_source": True}  # what nbconvert's templates read
        cell.outputs = [output for output in cell.outputs if _without_widget(output) is not None]
        for output in cell.outputs:
            page = output.get("data", {}).get("text/html")
            if isinstance(page, str) and _ICON_FONT_LINK.search(page):
                output["data"]["text/html"] = _ICON_FONT_LINK.sub(lambda _: ANIMATION_BUTTONS_CSS, page)
    return deck


def _without_widget(output: dict) -> dict | None:
    """``output`` with its live widget taken out: the picture it carries stays; None when only text is left
    (the widget's repr, ``VBox(children=...)``), which a deck leaves out."""
    data = output.get("data", {})
    if WIDGET_VIEW not in data:
        return output
    data.pop(WIDGET_VIEW)
    return output if set(data) - {"text/plain"} else None


# nbconvert's reveal template, less the two things that always reach for the network (the mermaid
# diagram module, and the widget renderer: static decks carry no widgets), and with figures scaled
# down to fit a slide's height (at full resolution, so they stay sharp on a projector).
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_css %}
<style>
.reveal .jp-OutputArea-output img { max-height: 480px; width: auto; height: auto; }
</style>
{% endblock html_head_css %}
"""


def deck_exporter():
    """nbconvert's ``SlidesExporter`` pointed at the local libraries (URLs relative to the deck)."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    return SlidesExporter(
        extra_loaders=[DictLoader({"gmtutor_offline_deck.html.j2": _OFFLINE_TEMPLATE})],
        template_file="gmtutor_offline_deck.html.j2",
        reveal_url_prefix=REVEAL_PREFIX,
        reveal_theme="white",
        reveal_scroll=True,
        require_js_url=REQUIRE_JS,
        jquery_url=JQUERY,
        mathjax_url=MATHJAX,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


_CODE_AND_STYLE = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"|<link\b[^>]*\bhref=\"([^\"]+)\"", re.IGNORECASE)
_IMAGES = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)
_REQUIRED = re.compile(r"require\(\s*\{[^}]*\}\s*,\s*\[([^\]]*)\]", re.DOTALL)


def _on_the_network(ref: str) -> bool:
    return "://" in ref or ref.startswith("//")


def loaded_libraries(page: str) -> list[str]:
    """The scripts, style sheets and ``require``d modules a deck's HTML makes the browser load."""
    found = [a or b for a, b in _CODE_AND_STYLE.findall(page)]
    for modules in _REQUIRED.findall(page):
        found += re.findall(r"\"([^\"]+)\"", modules)
    return [html.unescape(ref) for ref in found]


def missing_references(deck: Path) -> list[str]:
    """What ``deck`` would load that is not a file beside it: any library from the network or missing
    here, and any local image that is missing. (Inline images are in the page; an image the text
    links from the web stays a web image.)"""
    page = deck.read_text(encoding="utf-8")
    images = [html.unescape(ref) for ref in _IMAGES.findall(page)]
    local_images = [ref for ref in images if not ref.startswith("data:") and not _on_the_network(ref)]
    missing = []
    for ref in loaded_libraries(page) + local_images:
        if _on_the_network(ref) or not (deck.parent / ref.split("?")[0].split("#")[0]).is_file():
            missing.append(ref)
    return missing


def build_deck(notebook_path: Path, out: Path, exporter=None) -> Path:
    """One notebook as ``out/<name>.slides.html`` (the libraries must already be in ``out``)."""
    exporter = exporter or deck_exporter()
    notebook = static_copy(read_notebook(notebook_path))
    page, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": notebook_path.stem}})
    deck = out / f"{notebook_path.stem}.slides.html"
    deck.write_text(page, encoding="utf-8")
    return deck


def write_index(decks: Sequence[Path], out: Path) -> Path:
    """``out/index.html``: a plain page linking every deck."""
    items = "\n".join(
        f'  <li><a href="{html.escape(d.name)}">{html.escape(d.stem.split(".")[0])}</a></li>' for d in decks
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>gmtutor slides</title></head>\n'
        f"<body>\n<h1>gmtutor: the course as slides</h1>\n<ul>\n{items}\n</ul>\n"
        "<p>Arrow keys move between slides; press S for the speaker view.</p>\n</body>\n</html>\n"
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def build_decks(
    out: str | Path, notebooks: Sequence[Path] | None = None, reveal: str | Path | None = None
) -> list[Path]:
    """Build a reveal.js deck for each notebook (default: every course notebook) in ``out``, with the
    libraries copied beside them so the folder works offline; return the decks' paths."""
    from gmtutor.present.course import course_notebooks

    paths = [Path(p) for p in notebooks] if notebooks else course_notebooks()
    for path in paths:  # the user's own files first: their errors hold whatever is installed
        if not path.is_file():
            raise FileNotFoundError(f"no notebook at {path}")
        read_notebook(path)
    libraries = find_web_libraries(reveal)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copy_web_libraries(libraries, out)
    exporter = deck_exporter()
    decks = [build_deck(path, out, exporter) for path in paths]
    for deck in decks:
        missing = missing_references(deck)
        if missing:
            raise FileNotFoundError(f"{deck} would load {', '.join(missing)}, which is not in {out}. {NPM_FIX}")
    write_index(decks, out)
    return decks
