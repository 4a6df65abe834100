"""Fixtures shared by the unit tests: tiny IDX files, a local HTTP server on 127.0.0.1, the embedded
subset and a CNN judge trained briefly on it."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (magic 0x0000 08 ndim, big-endian dims, data)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def md5(raw: bytes) -> str:
    return hashlib.md5(raw).hexdigest()


@pytest.fixture(scope="session")
def embedded():
    """The embedded MNIST subset (4,000 training and 1,000 test digits)."""
    import gmtutor as gm

    return gm.load_mnist("embedded")


@pytest.fixture(scope="session")
def short_judge(embedded):
    """A CNN judge trained for a short seeded run on 2,000 digits: enough to tell real digits from ghosts."""
    import gmtutor as gm
    from gmtutor.models.classifier import DigitCNN

    model = DigitCNN()
    gm.fit(model, embedded.subset(2000), steps=150, batch_size=64, device="cpu", progress=False, seed=0)
    return model


@pytest.fixture
def small_mnist():
    """Four small IDX payloads (gzipped) standing in for MNIST, with their IdxFile specs."""
    from gmtutor.core.data import IdxFile

    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.arange(30, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.arange(20, dtype=np.uint8) % 10,
    }
    raw = {name: idx_bytes(a) for name, a in arrays.items()}
    specs = tuple(
        IdxFile(name, "images" if "images" in name else "labels", len(a), md5(raw[name])) for name, a in arrays.items()
    )
    payloads = {f"{name}.gz": gzip.compress(r) for name, r in raw.items()}
    return arrays, specs, payloads


class LocalServer:
    """An HTTP server on 127.0.0.1 serving ``routes``:
    path -> (status, body[, delay_s[, claimed_length[, drip_s[, header_drip_s]]]]).

    ``claimed_length`` None sends no Content-Length; ``drip_s`` sends the body one byte at a time, that many
    seconds apart; ``header_drip_s`` does the same with the status line and headers.
    """

    def __init__(self):
        self.routes: dict[str, tuple] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                status, body, *rest = server.routes.get(self.path, (404, b"not found"))
                delay = rest[0] if rest else 0
                claimed = rest[1] if len(rest) > 1 else len(body)
                drip = rest[2] if len(rest) > 2 else 0
                header_drip = rest[3] if len(rest) > 3 else 0
                if delay:
                    time.sleep(delay)
                if header_drip:
                    head = f"HTTP/1.0 {status} OK\r\nX-Padding: {'x' * 200}\r\nContent-Length: {len(body)}\r\n\r\n"
                    try:
                        for byte in head.encode():
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(header_drip)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    self.wfile.write(body)
                    return
                self.send_response(status)
                if claimed is not None:
                    self.send_header("Content-Length", str(claimed))
                self.end_headers()
                try:
                    if drip:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server():
    server = LocalServer()
    yield server
    server.close()
