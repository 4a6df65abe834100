"""The `gmtutor` command's data subcommands."""

import subprocess
import sys

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
    arguments = voila_arguments(Path("explorer.ipynb"), 8123)
    for expected in ("--port=8123", "--Voila.ip=127.0.0.1", "--no-browser", "--strip_sources=True"):
        assert expected in arguments
    assert "--Voila.port_retries=0" in arguments  # never silently moves to another port


def test_train_refuses_a_budget_of_no_steps(capsys):
    assert main(["train", "vae-2d", "--data", "embedded", "--steps", "0"]) == 1
    assert "--steps must be a positive number of optimiser steps, got 0" in capsys.readouterr().err


def test_train_honours_steps_in_quick_mode(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    assert main(["train", "vae-2d", "--data", "embedded", "--steps", "3"]) == 0
    import gmtutor as gm

    (entry,) = gm.zoo.cached()
    trained = gm.checkpoint.read(entry["file"])["metadata"]["history"]
    assert trained[-1]["step"] == 3
