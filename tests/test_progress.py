"""Progress bars: a notebook stores the finished line of a training bar, not a widget frozen at 0%."""

import nbformat
from nbclient import NotebookClient

from gmtutor.core.progress import in_notebook_kernel, progress_bar

TRAIN_IN_A_NOTEBOOK = """import gmtutor as gm
data = gm.load_mnist("embedded").subset(300, 100)
history = gm.fit(gm.VAE(latent_dim=2, hidden=(16,)), data, steps=12, log_every=6, device="cpu", seed=0)
print("records:", len(history))"""


def test_a_notebook_keeps_the_finished_bar(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(TRAIN_IN_A_NOTEBOOK)]
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = notebook.cells[0].outputs
    assert not any(output.output_type == "error" for output in outputs)
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets == []  # the live bar was replaced when training ended
    bars = [o["data"]["text/plain"] for o in outputs if o.output_type == "display_data"]
    assert (
        len(bars) == 1 and "VAE: 100%" in bars[0] and "12/12" in bars[0] and "0%|" not in bars[0].replace("100%|", "")
    )
    assert any("records: 2" in o.get("text", "") for o in outputs if o.output_type == "stream")


def test_outside_a_kernel_the_bar_is_text_and_can_be_silenced(capsys):
    assert not in_notebook_kernel()
    with progress_bar(3, "work") as bar:
        bar.update(3)
    assert "work: 100%" in capsys.readouterr().err
    with progress_bar(3, "quiet", enabled=False) as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""
