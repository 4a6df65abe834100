"""The download path, against a local HTTP server on 127.0.0.1 that the tests start."""

import dataclasses
import gzip
import socket
import time
import warnings

import numpy as np
import pytest

import gmtutor.core.data as data
from gmtutor.core.data import DownloadError, EmbeddedFallbackWarning, download_mnist, load_mnist

from conftest import SHARED_MNIST


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any connection to an address other than 127.0.0.1, and record every one made."""
    seen = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        seen.append(host)
        if host != "127.0.0.1":
            raise AssertionError(f"test tried to reach {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return seen


def serve(server, prefix, payloads, **overrides):
    for name, body in payloads.items():
        server.routes[f"/{prefix}/{name}"] = overrides.get(name, (200, body))
    return f"{server.url}/{prefix}/"


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_verifies_and_writes_every_file(tmp_path, local_server, small_mnist, loopback_only):
    arrays, specs, payloads = small_mnist
    mirror = serve(local_server, "good", payloads)
    root = download_mnist(tmp_path, mirrors=(mirror,), files=specs, progress=False)
    assert leftovers(root) == sorted(payloads)
    for spec in specs:
        loaded = data.read_idx_file(root / f"{spec.name}.gz", spec.kind, spec.count)
        np.testing.assert_array_equal(loaded, arrays[spec.name])
    assert set(loopback_only) == {"127.0.0.1"}


def test_a_404_mirror_falls_through_to_the_next(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    dead = f"{local_server.url}/gone/"
    good = serve(local_server, "good", payloads)
    download_mnist(tmp_path, mirrors=(dead, good), files=specs, progress=False)
    assert leftovers(tmp_path) == sorted(payloads)
    assert [p for p in local_server.requests if p.startswith("/gone/")] == [f"/gone/{n}" for n in payloads]


def test_a_corrupt_payload_is_rejected_and_leaves_nothing(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    first = next(iter(payloads))
    tampered = bytearray(gzip.decompress(payloads[first]))
    tampered[-1] ^= 0xFF
    mirror = serve(local_server, "bad", payloads, **{first: (200, gzip.compress(bytes(tampered)))})
    with pytest.raises(DownloadError, match="MD5") as err:
        download_mnist(tmp_path, mirrors=(mirror,), files=specs, progress=False)
    assert first in str(err.value) and "embedded" in str(err.value)
    assert leftovers(tmp_path) == []


def test_a_cut_off_transfer_is_rejected(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    first = next(iter(payloads))
    body = payloads[first]
    cut = serve(local_server, "cut", payloads, **{first: (200, body[: len(body) // 2], 0, len(body))})
    good = serve(local_server, "good", payloads)
    download_mnist(tmp_path, mirrors=(cut, good), files=specs, progress=False)
    assert f"/cut/{first}" in local_server.requests and f"/good/{first}" in local_server.requests
    assert leftovers(tmp_path) == sorted(payloads)


def test_a_slow_mirror_times_out(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    slow = serve(local_server, "slow", payloads, **{n: (200, b, 2.0) for n, b in payloads.items()})
    with pytest.raises(DownloadError, match="timed out"):
        download_mnist(tmp_path, mirrors=(slow,), files=specs[:1], timeout=0.3, progress=False)
    assert leftovers(tmp_path) == []


def test_a_server_that_sends_too_much_is_cut_off(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    first = specs[0]
    flood = np.random.default_rng(0).bytes(3 * first.size)
    honest = serve(local_server, "honest", {f"{first.name}.gz": flood})  # says how long it is
    liar = serve(local_server, "liar", {f"{first.name}.gz": b""}, **{f"{first.name}.gz": (200, flood, 0, None)})
    with pytest.raises(DownloadError) as err:
        download_mnist(tmp_path, mirrors=(honest, liar), files=specs[:1], progress=False)
    assert "announces" in str(err.value) and "sent more than" in str(err.value)
    assert leftovers(tmp_path) == []


def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path, local_server, small_mnist):
    import tracemalloc

    _, specs, _ = small_mnist
    bomb = gzip.compress(bytes(200_000_000), compresslevel=9)  # 200 MB of zeros in about 200 KB
    spec = data.IdxFile("big-labels", "labels", 1_000_000, "0" * 32)  # 1 MB: the bomb's 200 KB pass the cap
    assert len(bomb) < 2 * spec.size < 200_000_000
    mirror = serve(local_server, "bomb", {"big-labels.gz": bomb})
    tracemalloc.start()
    with pytest.raises(DownloadError, match="inflates past"):
        download_mnist(tmp_path, mirrors=(mirror,), files=(spec,), progress=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000  # never held the 200 MB
    assert leftovers(tmp_path) == []


def test_a_slow_drip_hits_the_deadline(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    name = f"{specs[1].name}.gz"
    drip = serve(local_server, "drip", payloads, **{name: (200, payloads[name], 0, len(payloads[name]), 0.05)})
    started = time.monotonic()
    with pytest.raises(DownloadError, match="longer than the 0.5 s"):
        download_mnist(tmp_path, mirrors=(drip,), files=specs[1:2], timeout=5, deadline=0.5, progress=False)
    assert time.monotonic() - started < 3  # each byte came well within the timeout; the deadline stopped it
    assert leftovers(tmp_path) == []


def test_a_known_sha256_is_checked_too(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    wrong = dataclasses.replace(specs[1], sha256="0" * 64)  # right MD5, wrong SHA-256
    mirror = serve(local_server, "good", payloads)
    with pytest.raises(DownloadError, match="SHA-256"):
        download_mnist(tmp_path, mirrors=(mirror,), files=(wrong,), progress=False)
    assert leftovers(tmp_path) == []


def test_every_mirror_is_https():
    assert data.MIRRORS and all(mirror.startswith("https://") for mirror in data.MIRRORS)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="the real MNIST files in ../shared/mnist are absent")
def test_the_real_files_pass_their_size_md5_and_sha256():
    checked = 0
    for spec in data.MNIST_FILES:
        path = SHARED_MNIST / f"{spec.name}.gz"
        if path.is_file():
            assert data._checksum_problem(path.read_bytes(), spec) is None, spec.name
            checked += 1
    assert checked >= 2


def test_load_mnist_downloads_what_is_missing(tmp_path, local_server, small_mnist, monkeypatch):
    arrays, specs, payloads = small_mnist
    monkeypatch.setattr(data, "MNIST_FILES", specs)
    monkeypatch.setattr(data, "MIRRORS", (serve(local_server, "good", payloads),))
    monkeypatch.setenv("GMTUTOR_DATA", "mnist")
    mnist = load_mnist(root=tmp_path)
    assert mnist.source == "mnist"
    assert mnist.x_train.shape == (30, 28, 28) and mnist.y_test.shape == (20,)
    np.testing.assert_array_equal(mnist.y_train.numpy(), arrays["train-labels-idx1-ubyte"])


def test_auto_falls_back_to_embedded_with_one_warning(tmp_path, local_server, small_mnist, monkeypatch):
    _, specs, _ = small_mnist
    monkeypatch.setattr(data, "MNIST_FILES", specs)
    monkeypatch.setattr(data, "MIRRORS", (f"{local_server.url}/nothing/",))
    monkeypatch.setattr(data, "_download_failed", False)
    monkeypatch.delenv("GMTUTOR_DATA", raising=False)
    with pytest.warns(EmbeddedFallbackWarning, match="gmtutor data download"):
        first = load_mnist("auto", root=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = load_mnist("auto", root=tmp_path)  # no second attempt, no second warning
    assert first.source == second.source == "embedded"
    assert len([p for p in local_server.requests if p.startswith("/nothing/")]) == 1


def test_auto_uses_files_already_present(tmp_path, small_mnist, monkeypatch):
    _, specs, payloads = small_mnist
    for name, body in payloads.items():
        (tmp_path / name).write_bytes(body)
    monkeypatch.setattr(data, "MNIST_FILES", specs)
    monkeypatch.delenv("GMTUTOR_DATA", raising=False)
    assert load_mnist("auto", root=tmp_path).source == "mnist"


def test_a_corrupt_local_file_is_never_used(tmp_path, small_mnist, monkeypatch):
    _, specs, payloads = small_mnist
    for name, body in payloads.items():
        (tmp_path / name).write_bytes(body[: len(body) - 8])
    monkeypatch.setattr(data, "MNIST_FILES", specs)
    monkeypatch.delenv("GMTUTOR_DATA", raising=False)
    with pytest.raises(data.MNISTFileError, match="gmtutor data download"):
        load_mnist("auto", root=tmp_path)


def test_unknown_source_is_named(monkeypatch):
    monkeypatch.setenv("GMTUTOR_DATA", "fashion")
    with pytest.raises(ValueError, match="'fashion'"):
        load_mnist()


def test_a_mirror_that_drips_its_headers_hits_the_deadline_too(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    name = f"{specs[1].name}.gz"
    drip = serve(local_server, "headers", payloads, **{name: (200, payloads[name], 0, len(payloads[name]), 0, 0.05)})
    started = time.monotonic()
    with pytest.raises(DownloadError, match="longer than the 0.5 s"):
        download_mnist(tmp_path, mirrors=(drip,), files=specs[1:2], timeout=5, deadline=0.5, progress=False)
    assert time.monotonic() - started < 3  # the headers alone would have taken over 12 s
    assert leftovers(tmp_path) == []


def test_the_whole_download_has_a_bounded_wait(tmp_path, local_server, small_mnist):
    _, specs, payloads = small_mnist
    slow = serve(local_server, "slow", payloads, **{n: (200, b, 0, len(b), 0.05) for n, b in payloads.items()})
    started = time.monotonic()
    with pytest.raises(DownloadError, match="allowed for the whole download"):
        download_mnist(tmp_path, mirrors=(slow, slow), files=specs[1:2], timeout=5, total=0.6, progress=False)
    assert time.monotonic() - started < 3
    assert data.DOWNLOAD_TOTAL_S <= 15 * 60  # the default wait is minutes, not an hour


def second_member(first: bytes, size: int) -> bytes:
    """``first`` (a gzip file) followed by a second gzip member of ``size`` zero bytes: a bomb behind a valid file."""
    return first + gzip.compress(bytes(size), compresslevel=9)


def test_a_second_gzip_member_is_refused_on_download(tmp_path, local_server):
    from conftest import idx_bytes, md5

    raw = idx_bytes(np.random.default_rng(0).integers(0, 10, 60_000).astype(np.uint8))  # train-labels' size
    spec = data.IdxFile("train-labels-idx1-ubyte", "labels", 60_000, md5(raw))
    bombed = second_member(gzip.compress(raw), 85_000_000)  # a valid first member, an 85 MB second one
    assert len(bombed) < 2 * spec.size  # it passes the size cap, and the first member its checksum
    mirror = serve(local_server, "two", {f"{spec.name}.gz": bombed})
    with pytest.raises(DownloadError, match="after its first gzip member"):
        download_mnist(tmp_path, mirrors=(mirror,), files=(spec,), progress=False)
    assert leftovers(tmp_path) == []


def test_a_local_file_with_a_second_member_is_refused_without_inflating_it(tmp_path, small_mnist):
    import tracemalloc

    _, specs, payloads = small_mnist
    name = f"{specs[1].name}.gz"
    (tmp_path / name).write_bytes(second_member(payloads[name], 200_000_000))  # 200 MB behind the real file
    tracemalloc.start()
    with pytest.raises(data.MNISTFileError, match=f"{name}.*after its first gzip member"):
        data.read_idx_file(tmp_path / name, "labels")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000


def test_a_header_whose_dimensions_overflow_is_named(tmp_path):
    huge = (2**32 - 1).to_bytes(4, "big")
    (tmp_path / "huge-images").write_bytes(bytes([0, 0, 8, 3]) + huge * 3 + bytes(64))  # product > 2**64
    with pytest.raises(data.MNISTFileError, match=r"huge-images.*declares dimensions \(4294967295"):
        data.read_idx_file(tmp_path / "huge-images", "images")


def test_a_data_folder_that_is_a_file_is_named_as_such(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    folder.write_text("not a folder")
    monkeypatch.setenv("GMTUTOR_DATA_DIR", str(folder))
    for call in (lambda: load_mnist("mnist"), lambda: data.data_info(), lambda: download_mnist(folder)):
        with pytest.raises(data.MNISTFileError, match=f"{folder} is a file, not a folder"):
            call()
