"""Slide metadata rules, and decks that load nothing from the network (`gmtutor slides`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from gmtutor.cli import main
from gmtutor.present.course import course_notebooks
from gmtutor.present.slides import (
    SLIDE_TYPES,
    assign_slide_types,
    assign_slide_types_in_file,
    build_decks,
    missing_references,
    slide_type,
    static_copy,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def types(notebook):
    return [cell.metadata.get("slideshow", {}).get("slide_type") for cell in notebook.cells]


# --------------------------------------------------------------------------- metadata rules


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (md("# 06 · Title"), "slide"),
        (md("## A section\n\ntext"), "slide"),
        (md("### A step inside it"), "subslide"),
        (md("Speaker notes: say why"), "notes"),
        (md("Plain text after a figure."), "-"),
        (md("#hashtag is no heading"), "-"),
        (code("import torch\nfrom gmtutor import latent  # helpers\n%matplotlib inline"), "skip"),
        (code("import gmtutor as gm\ndata = gm.load_mnist()"), "-"),
        (code("plt.show()"), "-"),
        (code("def broken(:"), "-"),
        (nbformat.v4.new_raw_cell("raw text"), "skip"),
    ],
)
def test_slide_type_rules(cell, expected):
    assert slide_type(cell) == expected


def test_text_after_a_figure_opens_a_subslide():
    figure = code("plt.show()", execution_count=1)
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0K", "text/plain": "<Figure>"})]
    printed = code("print(1)", execution_count=2)
    printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    assert slide_type(md("What the figure shows."), previous=figure) == "subslide"
    assert slide_type(md("What the number means."), previous=printed) == "-"
    assert slide_type(md("## Next section"), previous=figure) == "slide"
    assert slide_type(md("Speaker notes: point at the top row"), previous=figure) == "notes"


def test_assign_keeps_deliberate_choices_and_is_idempotent():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        code("import numpy as np"),  # skipped, so the heading after it opens the deck
        md("Intro without a heading"),
        md("## Section"),
        md("A point made one click later"),
        md("Wrong default"),
        code("x = 1"),
    ]
    notebook.cells[3].metadata["slideshow"] = {"slide_type": "fragment"}
    notebook.cells[4].metadata["slideshow"] = {"slide_type": "slide"}  # "slide" is the rules' to decide
    assert assign_slide_types(notebook) == 5
    assert types(notebook) == ["skip", "slide", "slide", "fragment", "-", "-"]
    assert assign_slide_types(notebook) == 0


def test_assign_in_file_changes_metadata_only(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = code("print(1)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    notebook.cells = [md("# Title"), cell, md("### More")]
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    assert assign_slide_types_in_file(path) == 3
    stored = nbformat.read(path, as_version=4)
    assert types(stored) == ["slide", "-", "subslide"]
    assert stored.cells[1].outputs == cell.outputs and stored.cells[1].execution_count == 1
    before = path.read_text()
    assert assign_slide_types_in_file(path) == 0 and path.read_text() == before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_of_every_notebook_has_a_slide_type(path):
    notebook = nbformat.read(path, as_version=4)
    found = types(notebook)
    assert all(t in SLIDE_TYPES for t in found), [(i, t) for i, t in enumerate(found) if t not in SLIDE_TYPES]
    assert "slide" in found


# --------------------------------------------------------------------------- static copies


def test_static_copy_drops_widgets_and_the_icon_font_but_keeps_animations():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    live = code("explorer", execution_count=1)
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "VBox()"}
    live.outputs = [nbformat.v4.new_output("display_data", data=widget)]
    pictured = code("explorer with its picture", execution_count=3)
    pictured.outputs = [nbformat.v4.new_output("display_data", data={**widget, "image/png": "iVBORw0KGgo="})]
    movie = code("HTML(movie.to_jshtml())", execution_count=2)
    page = '<link rel="stylesheet" href="https://example.invalid/font-awesome/4.4.0/css/font-awesome.min.css">\n'
    page += '<div class="animation"><i class="fa fa-play"></i></div>'
    movie.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": page}, execution_count=2)]
    movie.metadata["jupyter"] = {"source_hidden": True}
    notebook.cells = [live, movie, pictured]

    deck = static_copy(notebook)
    assert "widgets" not in deck.metadata and deck.cells[0].outputs == []
    assert [set(o["data"]) for o in deck.cells[2].outputs] == [{"image/png", "text/plain"}]  # the picture stays
    shown = deck.cells[1].outputs[0]["data"]["text/html"]
    assert "font-awesome" not in shown and "http" not in shown
    assert '<div class="animation">' in shown and ".fa-play:before" in shown
    assert deck.cells[1].metadata["transient"] == {"remove_source": True}
    assert "widgets" in notebook.metadata and notebook.cells[0].outputs  # the original is untouched


# --------------------------------------------------------------------------- decks


def test_missing_references_names_network_libraries_and_missing_files(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "here.js").write_text("")
    deck = tmp_path / "deck.html"
    deck.write_text(
        '<script src="lib/here.js"></script><script src="lib/gone.js"></script>'
        '<link rel="stylesheet" href="https://cdn.invalid/theme.css">'
        '<img src="data:image/png;base64,AAAA"><img src="https://example.invalid/photo.png"><img src="figs/gone.png">'
        '<script>require({waitSeconds: 15}, ["lib/here.js", "reveal.js/dist/reveal.js"], function () {});</script>'
    )
    assert missing_references(deck) == [
        "lib/gone.js",
        "https://cdn.invalid/theme.css",
        "reveal.js/dist/reveal.js",
        "figs/gone.png",
    ]


def require_node_modules():
    if (ROOT / "node_modules" / "reveal.js").is_dir():
        return
    reason = "needs node_modules/ (npm install in the repository's root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, so the deck tests must run, but this machine {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    require_node_modules()
    out = tmp_path_factory.mktemp("slides")
    return out, build_decks(out)


LOADED = re.compile(r"<(?:script|img|link)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"", re.IGNORECASE)


def test_one_deck_per_course_notebook(decks):
    out, built = decks
    assert [deck.name for deck in built] == [f"{path.stem}.slides.html" for path in course_notebooks()]
    index = (out / "index.html").read_text()
    assert all(f'href="{deck.name}"' in index for deck in built)


def test_decks_load_only_local_files(decks):
    out, built = decks
    for deck in built:
        page = deck.read_text(encoding="utf-8")
        assert not re.search(r"https?://[^\"'\s]*(reveal\.js@|/dist/reveal|/plugin/notes)", page), deck.name
        loaded = [ref for ref in LOADED.findall(page) if not ref.startswith("data:")]
        (required,) = re.findall(r"require\(\s*\{[^}]*\}\s*,\s*\[([^\]]*)\]", page)
        loaded += re.findall(r"\"([^\"]+)\"", required)
        assert "reveal.js/dist/reveal.js" in loaded and "lib/require.js" in loaded, deck.name
        for ref in loaded:
            assert "://" not in ref and not ref.startswith("//"), (deck.name, ref)
            assert (out / ref.split("?")[0]).is_file(), (deck.name, ref)
        assert "mermaid" not in page.lower() and "html-manager" not in page, deck.name
        assert "application/vnd.jupyter.widget-view+json" not in page, deck.name


def test_the_stored_alpha_sweep_survives_into_the_deck(decks):
    out, _ = decks
    page = (out / "05_latent_interpolation.slides.html").read_text(encoding="utf-8")
    assert page.count('<div class="animation">') == 1 and "new Animation(frames" in page
    assert page.count("data:image/png;base64,") > 13  # the 13 frames, inline, and the filmstrip beside them
    assert "font-awesome" not in page


def test_slides_command_builds_chosen_notebooks(tmp_path, capsys):
    require_node_modules()
    notebook = ROOT / "notebooks" / "00_start_here.ipynb"
    assert main(["slides", str(notebook), "--out", str(tmp_path)]) == 0
    assert "1 deck in" in capsys.readouterr().out
    assert (tmp_path / "00_start_here.slides.html").is_file() and (tmp_path / "reveal.js/dist/reveal.js").is_file()


def test_a_folder_that_is_not_reveal_js_is_refused_with_the_fix(tmp_path, capsys):
    (tmp_path / "not-reveal").mkdir()
    assert main(["slides", "--out", str(tmp_path / "out"), "--reveal", str(tmp_path / "not-reveal")]) == 1
    err = capsys.readouterr().err
    assert "not-reveal is not a reveal.js 4 folder" in err and "dist/reveal.js" in err and "npm install" in err
    assert not (tmp_path / "out").exists()
