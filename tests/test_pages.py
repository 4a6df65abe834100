"""The measurement pages carry no hand-typed number: templates type none, and every number a rendered page
shows is one that a benchmark wrote to its JSON. The README stays a short page for a newcomer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("jinja2")

from gmtutor.present import pages  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?%?")  # 1,234.5 but not "0," of "2.13.0,"


def json_leaves(value, numbers: list[float], words: list[str]) -> None:
    """Every number and every string (keys too) in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            words.append(str(key))
            json_leaves(item, numbers, words)
    elif isinstance(value, list):
        for item in value:
            json_leaves(item, numbers, words)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float)):
        numbers.append(float(value))
    else:
        words.append(str(value))


def numbers_not_in(results: dict, page: str) -> list[str]:
    """The numbers on ``page`` that no value of ``results`` rounds to (as shown, or as a percentage) and no
    string of theirs holds (dates, versions, names)."""
    numbers: list[float] = []
    words: list[str] = []
    json_leaves(results, numbers, words)
    text = "\n".join(words)
    strays = []
    for token in NUMBER.findall(page):
        bare = token.strip("+")
        if bare in text or bare.rstrip("%") in text:
            continue
        shown = float(bare.rstrip("%").replace(",", ""))
        decimals = len(bare.rstrip("%").split(".")[1].split("e")[0]) if "." in bare else 0
        tolerance = 0.5 * 10.0**-decimals + 1e-9 if "e" not in bare else abs(shown) * 0.05
        scale = 100.0 if bare.endswith("%") else 1.0
        if not any(abs(value * scale - shown) <= tolerance or abs(value - shown) <= tolerance for value in numbers):
            strays.append(token)
    return strays


@pytest.mark.parametrize("page", pages.PAGES)
def test_the_templates_type_no_number_by_hand(page):
    template = (ROOT / "docs" / f"{page}.md.j2").read_text(encoding="utf-8")
    assert pages.hand_typed_numbers(template) == []


def test_a_hand_typed_number_is_found_and_refused(tmp_path, monkeypatch):
    assert pages.hand_typed_numbers("The VAE reaches 109.7 nats.\n{{ r.x | num(1) }} from the JSON") == [
        "The VAE reaches 109.7 nats."
    ]
    assert pages.hand_typed_numbers("{% for i in range(3) %}{{ i }}{% endfor %} {# 42 #}") == []
    (tmp_path / "how-fast.md.j2").write_text("Training took 231 s.\n")
    monkeypatch.setattr(pages, "docs_dir", lambda: tmp_path)
    with pytest.raises(ValueError, match="types numbers by hand"):
        pages.render("how-fast", {})


@pytest.mark.parametrize("page", pages.PAGES)
def test_every_number_on_a_page_is_one_the_benchmarks_wrote(page):
    results = pages.load_results()
    rendered = pages.render(page, results)
    assert numbers_not_in(results, rendered) == []


def test_the_number_check_catches_a_number_not_in_the_json():
    results = {"vae": {"results": {"test -ELBO": 109.71, "accuracy": 0.8734}, "measured": "2026-12-02"}}
    assert numbers_not_in(results, "−ELBO 109.7 nats, accuracy 87.3%, measured 2026-12-02") == []
    assert numbers_not_in(results, "−ELBO 109.9 nats, accuracy 91%") == ["109.9", "91%"]


@pytest.mark.parametrize("page", pages.PAGES)
def test_the_committed_pages_are_rendered_from_the_present_results(page):
    committed = (ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8")
    assert committed == pages.render(page), f"docs/{page}.md is stale: run python -m gmtutor.present.pages"


@pytest.mark.parametrize("page", pages.PAGES)
def test_a_page_says_what_to_run_where_no_result_is_there(page):
    rendered = pages.render(page, {})
    assert "Not measured with the present code" in rendered and "python benchmarks/" in rendered
    assert not NUMBER.search(rendered.replace("python -m gmtutor.present.pages", ""))


def test_every_result_file_says_where_when_and_on_what_it_was_measured():
    for name, result in pages.load_results().items():
        assert {"benchmark", "script", "measured", "machine", "data", "results"} <= set(result), name
        assert (ROOT / result["script"]).is_file(), name
        json.dumps(result)  # plain data


def test_the_readme_is_short_and_opens_with_the_set_up():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 10 * 1024
    sections = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    assert sections[0] == "Set up" and "Run the tests" in sections
    setup = readme.split("## Set up")[1].split("##")[0]
    assert (
        "--torch-backend=cpu" in setup and "--torch-backend=auto" in setup and 'pip install -e ".[lab,test]"' in setup
    )
    assert "python -m pytest" in readme
    for link in re.findall(r"\]\((docs/[^)]+\.md)\)", readme):
        assert (ROOT / link).is_file(), link


def test_the_longer_run_sentence_follows_the_untimed_row_not_the_row_count():
    results = pages.load_results()
    if "autoregressive_quality" not in results:
        pytest.skip("benchmarks/results has no autoregressive_quality.json")
    sentence = "trained for more steps than its recipe"
    found = results["autoregressive_quality"]["results"]
    timed = [row for row in found["rows"] if "seconds for 64 samples" in row]
    untimed = [row for row in found["rows"] if "seconds for 64 samples" not in row]
    found["rows"] = timed + timed  # more rows than before, none of them a longer run
    assert sentence not in pages.render("how-well", results)
    found["rows"] = timed[:1] + (untimed or [{**timed[0], "model": "a longer run"}])
    found["rows"][-1].pop("seconds for 64 samples", None)
    assert sentence in pages.render("how-well", results)
