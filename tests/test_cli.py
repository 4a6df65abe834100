"""The `gmtutor` command's data subcommands."""

import subprocess
import sys

import pytest

import gmtutor.core.data as data
from gmtutor.cli import main


def test_info_reports_the_embedded_source_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GMTUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GMTUTOR_DATA", raising=False)
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "missing" in out and "embedded" in out and "4,000 training" in out


def test_download_through_the_command(tmp_path, monkeypatch, capsys, local_server, small_mnist):
    _, specs, payloads = small_mnist
    for name, body in payloads.items():
        local_server.routes[f"/m/{name}"] = (200, body)
    monkeypatch.setattr(data, "MNIST_FILES", specs)
    monkeypatch.setattr(data, "MIRRORS", (f"{local_server.url}/m/",))
    assert main(["data", "download", "--root", str(tmp_path)]) == 0
    assert "30 training and 20 test images" in capsys.readouterr().out


def test_failed_download_exits_non_zero_with_the_fix(tmp_path, monkeypatch, capsys, local_server):
    monkeypatch.setattr(data, "MIRRORS", (f"{local_server.url}/empty/",))
    assert main(["data", "download", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "404" in err and "Fix:" in err
    assert list(tmp_path.iterdir()) == []


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "gmtutor.cli", "data", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "download" in result.stdout


# ------------------------------------------------ gmtutor app (tests/test_browser.py serves it for real)


def test_app_refuses_a_port_in_use_and_names_another(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in err and f"--port {port + 1}" in err


def test_app_refuses_a_number_that_is_no_port(capsys):
    assert main(["app", "--port", "70000"]) == 1
    assert "port 70000 is not a TCP port" in capsys.readouterr().err


def test_app_without_voila_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "voila" else real_find_spec(name))
    assert main(["app", "--port", "8866"]) == 1
    err = capsys.readouterr().err
    assert "needs Voila" in err and 'pip install -e ".[present]"' in err


def test_app_serves_only_the_explorer_on_localhost_without_code():
    from pathlib import Path

    from gmtutor.present.app import explorer_notebook, voila_arguments

    notebook = explorer_notebook()
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "gm.widgets.course_explorer(data)" in source  # the explorer comes from the package, not a copy
    arguments = voila_arguments(Path("explorer.ipynb"), 8123, "secret")
    for expected in (
        "--port=8123",
        "--Voila.ip=127.0.0.1",
        "--no-browser",
        "--strip_sources=True",
        "--Voila.token=secret",
    ):
        assert expected in arguments
    assert "--Voila.port_retries=0" in arguments  # never silently moves to another port
    assert "--MappingKernelManager.cull_idle_timeout=600" in arguments  # idle kernels are shut down
    assert "--CappedKernelManager.max_kernels=4" in arguments


def test_the_apps_kernel_manager_refuses_a_kernel_past_its_cap():
    from tornado import web

    from gmtutor.present.app import CappedKernelManager

    manager = CappedKernelManager(max_kernels=2)
    manager.list_kernel_ids = lambda: ["a"]
    manager.check_room()  # one running, room for a second
    manager.list_kernel_ids = lambda: ["a", "b"]
    with pytest.raises(web.HTTPError) as refused:
        manager.check_room()
    assert refused.value.status_code == 503 and "2 kernels" in refused.value.log_message


def test_train_refuses_a_budget_of_no_steps(capsys):
    assert main(["train", "vae-2d", "--data", "embedded", "--steps", "0"]) == 1
    assert "--steps must be a whole number from 1 to 10,000,000, got 0" in capsys.readouterr().err


def test_train_honours_steps_in_quick_mode(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    assert main(["train", "vae-2d", "--data", "embedded", "--steps", "3"]) == 0
    import gmtutor as gm

    (entry,) = gm.zoo.cached()
    trained = gm.checkpoint.read(entry["file"])["metadata"]["history"]
    assert trained[-1]["step"] == 3


# ------------------------------------------------ every error is one line and a non-zero exit


def one_line_error(capsys, argv, status=1):
    assert main(argv) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("gmtutor: ") and "\n" not in err and "Traceback" not in err, err
    return err


def test_an_unavailable_device_is_one_line(tmp_path, monkeypatch, capsys):
    import torch

    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert "GMTUTOR_DEVICE='cuda'" in one_line_error(capsys, ["train", "vae-2d", "--data", "embedded"])
    monkeypatch.setenv("GMTUTOR_DEVICE", "abacus")
    assert "not a device name" in one_line_error(capsys, ["train", "vae-2d", "--data", "embedded"])
    monkeypatch.setenv("GMTUTOR_DEVICE", "meta")
    assert "does not train on 'meta'" in one_line_error(capsys, ["train", "vae-2d", "--data", "embedded"])
    assert not list(tmp_path.rglob("*.lock"))  # refused before any lock was taken


def test_an_absurd_budget_is_one_line(capsys):
    err = one_line_error(capsys, ["train", "vae-2d", "--steps", str(10**15), "--data", "embedded"])
    assert "--steps must be a whole number from 1 to 10,000,000" in err


def test_a_quick_setting_other_than_0_or_1_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("GMTUTOR_QUICK", "yes please")
    assert "GMTUTOR_QUICK='yes please'" in one_line_error(capsys, ["train", "vae-2d", "--data", "embedded"])


def test_out_that_is_a_file_or_unwritable_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    import gmtutor.present.course as course

    ran = []
    monkeypatch.setattr(course, "run_course", lambda *a, **k: ran.append(1) or [])
    a_file = tmp_path / "taken"
    a_file.write_text("")
    assert "is a file, not a folder" in one_line_error(capsys, ["course", "--out", str(a_file)])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not __import__("os").access(locked, __import__("os").W_OK):  # root may write anywhere
            assert "cannot be written to" in one_line_error(capsys, ["course", "--out", str(locked / "run")])
    finally:
        locked.chmod(0o700)
    assert "is a file" in one_line_error(capsys, ["slides", "--out", str(a_file)])
    assert ran == []


def test_an_unwritable_out_is_refused_even_for_root(tmp_path, monkeypatch, capsys):
    import gmtutor.cli as cli

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "TemporaryFile", refuse)
    assert "cannot be written to (Permission denied)" in one_line_error(capsys, ["course", "--out", str(tmp_path)])


def test_a_full_disk_is_one_line_with_the_fix(monkeypatch, capsys):
    import errno

    import gmtutor.zoo as zoo

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/cache/vae.pt")

    monkeypatch.setattr(zoo, "get", full)
    err = one_line_error(capsys, ["train", "vae-2d", "--data", "embedded"])
    assert "disk is full writing /cache/vae.pt" in err and "free some space" in err


def test_a_malformed_notebook_given_to_slides_is_named(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    err = one_line_error(capsys, ["slides", str(broken), "--out", str(tmp_path / "decks")])
    assert "broken.ipynb is not a readable Jupyter notebook" in err


def test_ctrl_c_exits_130_without_a_traceback(monkeypatch, capsys):
    import gmtutor.zoo as zoo

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(zoo, "get", interrupted)
    assert one_line_error(capsys, ["train", "vae-2d", "--data", "embedded"], status=130) == "gmtutor: interrupted"


def test_a_missing_extra_names_the_extra(monkeypatch, capsys):
    import gmtutor.present.course as course

    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'nbclient'", name="nbclient")

    monkeypatch.setattr(course, "run_course", missing)
    err = one_line_error(capsys, ["course", "--out", "course-run-test"])
    assert 'pip install "gmtutor[present]"' in err


def test_data_info_reports_a_corrupt_file_as_broken(tmp_path, monkeypatch, capsys, small_mnist):
    _, specs, payloads = small_mnist
    monkeypatch.setattr(data, "MNIST_FILES", specs)
    monkeypatch.setenv("GMTUTOR_DATA_DIR", str(tmp_path))
    for name, body in payloads.items():
        (tmp_path / name).write_bytes(body)
    first = specs[0].name
    (tmp_path / f"{first}.gz").write_bytes(payloads[f"{first}.gz"][:40])
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert f"{first}" in out and "BROKEN" in out and out.count("valid") == 3
    assert "source:  embedded" in out


BASE_ONLY = """
import builtins, sys
real_import = builtins.__import__
def no_extras(name, *args, **kwargs):
    if name.split(".")[0] in {"nbformat", "nbclient", "nbconvert", "voila", "ipykernel", "playwright"}:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return real_import(name, *args, **kwargs)
builtins.__import__ = no_extras
from gmtutor.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_help_and_data_info_need_no_extra(tmp_path):
    env = {**__import__("os").environ, "GMTUTOR_DATA_DIR": str(tmp_path)}
    for argv in (["--help"], ["app", "--help"], ["data", "info"]):
        result = subprocess.run([sys.executable, "-c", BASE_ONLY, *argv], capture_output=True, text=True, env=env)
        assert result.returncode == 0, (argv, result.stderr)
    result = subprocess.run(
        [sys.executable, "-c", BASE_ONLY, "course", "--out", str(tmp_path / "run")], capture_output=True, text=True
    )
    assert result.returncode == 1 and "gmtutor[present]" in result.stderr and "Traceback" not in result.stderr
