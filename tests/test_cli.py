"""The `gmtutor` command's data subcommands."""

import subprocess
import sys

import gmtutor.data as data
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
