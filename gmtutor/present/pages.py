"""The website's measurement pages, rendered from what the benchmarks wrote (``benchmarks/results/*.json``).

A page's template (``docs/<page>.md.j2``, Jinja2) types no number of its own: every digit on the page comes
from a placeholder that reads a benchmark's JSON, ``{{ r["vae_quality"].results["vae-20d"]["test -ELBO"] | num(1) }}``.
``hand_typed_numbers`` finds any digit a template has outside its placeholders (a test keeps it empty), and
rendering fails on a placeholder whose value is missing. A benchmark that has not been run since its code
changed simply has no file, and the page says which script to run.

    python -m gmtutor.present.pages      # render docs/how-fast.md and docs/how-well.md again
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gmtutor.core.files import write_atomically
from gmtutor.core.runtime import checkout_root

PAGES = ("how-fast", "how-well")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def docs_dir() -> Path:
    return checkout_root() / "docs"


def results_dir() -> Path:
    return checkout_root() / "benchmarks" / "results"


def load_results(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every benchmark's JSON in ``folder`` (default ``benchmarks/results``), by benchmark name."""
    folder = folder or results_dir()
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}


def hand_typed_numbers(template: str) -> list[str]:
    """The lines of ``template`` that hold a digit outside its placeholders: numbers typed by hand."""
    literal = _PLACEHOLDER.sub(lambda found: re.sub(r"[^\n]", "", found.group(0)), template)
    return [line.strip() for line in literal.splitlines() if re.search(r"\d", line)]


def _num(value: float, digits: int = 0) -> str:
    """A number with thousands separators and ``digits`` decimals; a dash for a missing one."""
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:,.{digits}f}"


def _pct(value: float, digits: int = 0) -> str:
    """A fraction as a percentage."""
    return "–" if value is None or value != value else f"{100 * value:.{digits}f}%"


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> str:
    """A Markdown table of ``rows``: ``columns`` are (key, header, format), the format ``text``, ``yesno`` (a
    truth value), ``int``, ``numN`` (N decimals) or ``pctN`` (a fraction as a percentage, N decimals); a dash
    where a row has no value."""

    def cell(row: dict[str, Any], key: str, form: str) -> str:
        value = row.get(key)
        if value is None or form == "text":
            return "–" if value is None else str(value)
        if form == "yesno":
            return "yes" if value else "no"
        if form == "int":
            return _num(value, 0)
        kind, digits = form[:3], int(form[3:] or 0)
        return _pct(value, digits) if kind == "pct" else _num(value, digits)

    numeric = [form not in ("text", "yesno") for _, _, form in columns]
    lines = ["| " + " | ".join(header for _, header, _ in columns) + " |"]
    lines.append("| " + " | ".join("---:" if right else "---" for right in numeric) + " |")
    lines += ["| " + " | ".join(cell(row, key, form) for key, _, form in columns) + " |" for row in rows]
    return "\n".join(lines)


def _machine(result: dict[str, Any]) -> str:
    """The machine a result was measured on, in words."""
    found = result["machine"]
    device = found["gpu"] or f"{found['cpus']} CPU cores ({found['processor']})"
    return f"{device}, PyTorch {found['torch']}, Python {found['python']}"


def environment(results: dict[str, dict[str, Any]]):
    """The Jinja2 environment the pages render in: strict (a missing value fails), with the course's filters."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(docs_dir()), undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(num=_num, pct=_pct)
    env.globals.update(r=results, machine=_machine, table=_table)
    return env


def render(page: str, results: dict[str, dict[str, Any]] | None = None) -> str:
    """The Markdown of ``page`` (one of ``PAGES``) rendered from ``results`` (default: ``load_results()``)."""
    results = load_results() if results is None else results
    template = (docs_dir() / f"{page}.md.j2").read_text(encoding="utf-8")
    typed = hand_typed_numbers(template)
    if typed:
        raise ValueError(f"docs/{page}.md.j2 types numbers by hand (take them from the JSON): {typed[:3]}")
    return environment(results).get_template(f"{page}.md.j2").render()


def main() -> None:
    results = load_results()
    for page in PAGES:
        target = docs_dir() / f"{page}.md"
        write_atomically(target, render(page, results).encode("utf-8"))
        print(f"rendered {target.relative_to(checkout_root())} from {len(results)} result files")


if __name__ == "__main__":
    main()
