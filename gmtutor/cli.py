"""The `gmtutor` command: `gmtutor data download`, `gmtutor data info`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _data_download(args: argparse.Namespace) -> int:
    from gmtutor.data import download_mnist, load_mnist

    folder = download_mnist(args.root)
    data = load_mnist("mnist", root=folder)
    print(f"MNIST is ready in {folder}: {data.describe()}")
    return 0


def _data_info(args: argparse.Namespace) -> int:
    from gmtutor.data import data_info, load_mnist

    info = data_info(args.root)
    print(f"folder:  {info['folder']}")
    for name, path in info["files"].items():
        print(f"  {name:<26} {'present' if path else 'missing'}")
    print(f"setting: {info['setting']} (argument or GMTUTOR_DATA)")
    print(f"source:  {info['source']}")
    if not str(info["source"]).startswith("mnist"):
        print(f"embedded subset: {load_mnist('embedded').describe()}")
        print("For full MNIST, run `gmtutor data download` while online.")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    from gmtutor.data import DownloadError, MNISTFileError

    try:
        return args.run(args)
    except (DownloadError, MNISTFileError, ValueError, ModuleNotFoundError) as err:
        print(f"gmtutor: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
