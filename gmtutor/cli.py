"""The `gmtutor` command: data, train, cache, course, slides, site, notebooks and app subcommands (`--help`)."""

from __future__ import annotations

import argparse
import errno
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gmtutor.present import DEFAULT_PORT, MAX_KERNELS

# Modules that only the extras bring, and the extra that brings each.
EXTRA_FOR_MODULE = {
    **dict.fromkeys(["nbformat", "nbclient", "nbconvert", "ipykernel", "voila", "playwright"], "present"),
    **dict.fromkeys(["jupyter_server", "tornado"], "present"),
    **dict.fromkeys(["pytest", "nbval"], "test"),
    **dict.fromkeys(["sphinx", "myst_nb", "furo"], "site"),
}


def _data_download(args: argparse.Namespace) -> int:
    from gmtutor.core.data import download_mnist, load_mnist

    folder = download_mnist(args.root)
    data = load_mnist("mnist", root=folder)
    print(f"MNIST is ready in {folder}: {data.describe()}")
    return 0


def _data_info(args: argparse.Namespace) -> int:
    from gmtutor.core.data import data_info, load_mnist

    info = data_info(args.root)
    print(f"folder:  {info['folder']}")
    for name, path in info["files"].items():
        problem = info["problems"].get(name)
        state = "missing" if not path else f"BROKEN: {problem}" if problem else f"valid ({path.name})"
        print(f"  {name:<26} {state}")
    print(f"setting: {info['setting']} (argument or GMTUTOR_DATA)")
    print(f"source:  {info['source']}")
    if not str(info["source"]).startswith("mnist"):
        print(f"embedded subset: {load_mnist('embedded').describe()}")
        print("For full MNIST, run `gmtutor data download` while online.")
    return 0


def _train(args: argparse.Namespace) -> int:
    from gmtutor import zoo
    from gmtutor.core.data import load_mnist
    from gmtutor.core.runtime import MOST_STEPS, bounded, device

    if args.steps is not None:
        bounded("--steps", args.steps, MOST_STEPS)
    device()  # a device that cannot train here is refused before any data loads or any lock is taken
    changes = {"steps": args.steps, "quick_steps": args.steps} if args.steps else {}  # honoured in either mode
    data = load_mnist(args.data)
    print(f"Training {args.model} on {data.describe()}")
    model = zoo.get(args.model, data, retrain=args.retrain, **changes)  # prints where the model came from
    final = ", ".join(f"{k} {v:.4g}" for k, v in model.metadata["final"].items())
    print(f"{args.model}: {final}")
    if "shipped" in model.metadata:
        print(f"the shipped file is {model.metadata['shipped']}; --retrain trains it here")
    else:
        print(f"cached in {zoo.checkpoint_dir()}")
    return 0


def _cache_list(_args: argparse.Namespace) -> int:
    from gmtutor import zoo

    entries = zoo.cached()
    if not entries:
        print(f"no trained models in {zoo.checkpoint_dir()}")
        return 0
    print(f"{zoo.checkpoint_dir()}:")
    for entry in entries:
        final = ", ".join(f"{k} {v:.4g}" for k, v in entry.get("final", {}).items() if k != "seconds")
        size = entry["bytes"] / 1e6
        described = f"{entry['recipe']:<8} {entry.get('data', '?'):<9} {entry.get('mode', '?'):<6}"
        print(f"  {entry['file'].name:<48} {size:6.1f} MB  {described} {final}")
    return 0


def _cache_clear(_args: argparse.Namespace) -> int:
    from gmtutor import zoo

    print(f"removed {zoo.clear()} file(s) from {zoo.checkpoint_dir()} and {zoo.results_dir()}")
    return 0


def _writable_folder(path: str) -> Path:
    """``path``, checked before any work starts: a folder, or a new one inside a folder, that can be written to.

    Nothing is created here: a command that fails later leaves no empty folder behind.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"--out {folder} is a file, not a folder: choose another path")
    existing = next(p for p in [folder, *folder.absolute().parents] if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(f"--out {folder}: {existing} is a file, not a folder: choose another path")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        raise PermissionError(f"--out {folder} cannot be written to ({err.strerror}): choose another folder") from None
    return folder


def _course(args: argparse.Namespace) -> int:
    from gmtutor.core.data import load_mnist
    from gmtutor.present.course import course_notebooks, run_course

    out = _writable_folder(args.out)
    mode = "quick mode (tiny training runs)" if args.quick else "full mode (models not cached or shipped are trained)"
    if args.retrain:
        mode = ("quick" if args.quick else "full") + f" mode, every model trained afresh into {out / 'cache'}"
    print(f"Running {len(course_notebooks())} notebooks in {mode} on {load_mnist().describe()}")
    print(f"{'notebook':<40} {'seconds':>8}")
    runs = run_course(
        out,
        quick=args.quick,
        retrain=args.retrain,
        on_done=lambda run: print(f"{run.name:<40} {run.seconds:8.1f}", flush=True),
    )
    print(f"{'total':<40} {sum(r.seconds for r in runs):8.1f}")
    print(f"executed notebooks are in {out}")
    return 0


def _slides(args: argparse.Namespace) -> int:
    from gmtutor.present.slides import build_decks

    out = _writable_folder(args.out)
    decks = build_decks(out, notebooks=args.notebooks or None, reveal=args.reveal)
    for deck in decks:
        print(f"  {deck}")
    count = f"{len(decks)} deck" + ("" if len(decks) == 1 else "s")
    print(f"{count} in {out}, with reveal.js, RequireJS, jQuery and MathJax beside them (no network needed)")
    print(f"open {out / 'index.html'} in a browser; S opens the speaker view")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from gmtutor.core.notebooks import copy_notebooks

    report = copy_notebooks(args.folder, overwrite=args.force)
    folder = report.folder.resolve()
    done = len(report.copied) + len(report.replaced)
    print(
        f"{done} notebooks written to {folder}"
        + (f", {len(report.unchanged)} already there" if report.unchanged else "")
    )
    if report.replaced:
        print(f"replaced your edited copies (--force): {', '.join(report.replaced)}")
    if report.kept:
        print(f"kept your edited copies: {', '.join(report.kept)} (gmtutor notebooks --force replaces them)")
    print(f"open them with: jupyter lab {folder}")
    return 0


def _site(args: argparse.Namespace) -> int:
    from gmtutor.present.site import main as build

    build(args.out)
    return 0


def _app(args: argparse.Namespace) -> int:
    from gmtutor.present.app import serve

    serve(port=args.port, data=args.data, max_kernels=args.max_kernels)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gmtutor", description="Helpers for the gmtutor course.")
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="get MNIST or see where it is", description="MNIST for the course.")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    download = data_commands.add_parser("download", help="fetch the four MNIST files and verify their checksums")
    download.add_argument("--root", default=None, help="folder for the files (default: data/mnist or GMTUTOR_DATA_DIR)")
    download.set_defaults(run=_data_download)
    info = data_commands.add_parser("info", help="where the data is and which source the notebooks will use")
    info.add_argument("--root", default=None, help="folder to look in (default: data/mnist or GMTUTOR_DATA_DIR)")
    info.set_defaults(run=_data_info)

    from gmtutor.zoo.recipes import RECIPES

    train = commands.add_parser("train", help="train a course model into the cache (or load it if cached)")
    train.add_argument("model", choices=sorted(RECIPES), help="which model")
    train.add_argument("--steps", type=int, default=None, help="override the recipe's number of optimiser steps")
    train.add_argument("--data", choices=["auto", "mnist", "embedded"], default="auto", help="which MNIST")
    train.add_argument("--retrain", action="store_true", help="train even if a cached model exists")
    train.set_defaults(run=_train)

    cache = commands.add_parser("cache", help="see or empty the trained-model cache")
    cache_commands = cache.add_subparsers(dest="cache_command", required=True)
    cache_commands.add_parser("list", help="cached models, their size and final metrics").set_defaults(run=_cache_list)
    cache_commands.add_parser("clear", help="delete every cached model").set_defaults(run=_cache_clear)

    course = commands.add_parser("course", help="execute every notebook in order and time each one")
    course.add_argument("--quick", action="store_true", help="tiny training runs (as the tests use)")
    course.add_argument("--out", default="course-run", help="folder for the executed notebooks (default: course-run)")
    course.add_argument(
        "--retrain", action="store_true", help="train every model afresh (no cached or shipped model) into OUT/cache"
    )
    course.set_defaults(run=_course)

    slides = commands.add_parser("slides", help="build a reveal.js deck of every notebook that opens offline")
    slides.add_argument("notebooks", nargs="*", help="notebooks to build (default: every course notebook)")
    slides.add_argument("--out", default="slides", help="folder for the decks (default: slides)")
    slides.add_argument(
        "--reveal", default=None, help="a local reveal.js 4 folder (default: node_modules/reveal.js from npm install)"
    )
    slides.set_defaults(run=_slides)

    notebooks = commands.add_parser("notebooks", help="copy the course's notebooks into a folder to open in JupyterLab")
    notebooks.add_argument("folder", nargs="?", default="gmtutor-notebooks", help="where (default: gmtutor-notebooks)")
    notebooks.add_argument("--force", action="store_true", help="replace notebooks you have edited there")
    notebooks.set_defaults(run=_notebooks)

    site = commands.add_parser("site", help="build the course's website from the stored notebooks (offline)")
    site.add_argument("--out", default="site", help="folder for the website (default: site)")
    site.set_defaults(run=_site)

    app = commands.add_parser("app", help="serve the live alpha-slider explorer with Voila on 127.0.0.1")
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default: {DEFAULT_PORT})")
    app.add_argument("--data", choices=["auto", "mnist", "embedded"], default=None, help="which MNIST (default: auto)")
    app.add_argument(
        "--max-kernels", type=int, default=MAX_KERNELS, help=f"kernels (open pages) at once (default: {MAX_KERNELS})"
    )
    app.set_defaults(run=_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 done, 1 an error the message explains, 130 Ctrl-C)."""
    from gmtutor.core.errors import GmtutorError

    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except KeyboardInterrupt:
        print("gmtutor: interrupted", file=sys.stderr)
        return 130
    except (GmtutorError, ValueError, OSError, ModuleNotFoundError) as err:
        print(f"gmtutor: error: {one_line(err)}", file=sys.stderr)
        return 1


def one_line(err: BaseException) -> str:
    """The error as one line that says what to do."""
    if isinstance(err, ModuleNotFoundError) and err.name in EXTRA_FOR_MODULE:
        extra = EXTRA_FOR_MODULE[err.name]
        return f'this command needs {err.name}, which the {extra!r} extra installs: pip install "gmtutor[{extra}]"'
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        where = f" writing {err.filename}" if err.filename else ""
        return f"the disk is full{where}: free some space (or point GMTUTOR_CACHE_DIR elsewhere) and run it again"
    if isinstance(err, OSError) and err.strerror and err.filename:
        return f"{err.strerror}: {err.filename}"
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return "; ".join(lines) or type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
