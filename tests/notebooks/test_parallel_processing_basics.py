"""The ported MsPASS tutorial notebook, executed end to end against the embedded test server."""

import re

import nbformat
from nbclient import NotebookClient

from tests.support import REPO

NOTEBOOK = REPO / "notebooks" / "parallel_processing_basics.ipynb"


def _stdout(nb) -> str:
    return "\n".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )


def test_notebook_runs_and_gives_the_expected_counts(client, tmp_path):
    client.drop_database("getting_started")  # the notebook imports the shipped data itself
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(nb, str(tmp_path / NOTEBOOK.name))  # the executed notebook, for a person to look at
    text = _stdout(nb)

    serial = re.search(r"serial live: (\d+)\s+dead: (\d+)", text)
    spark = re.search(r"spark live: (\d+)\s+dead: (\d+)", text)
    readback = re.search(r"saved windows read back: (\d+)\s+identical to the serial loop's: (\d+)", text)
    assert serial and spark and readback, text
    assert sum(map(int, serial.groups())) == 45
    # six Okhotsk records and the PB01 records whose P window fits their 540 s traces
    assert serial.groups() == spark.groups() == (EXPECTED_LIVE, str(45 - int(EXPECTED_LIVE)))
    assert readback.groups() == (EXPECTED_LIVE, EXPECTED_LIVE)
    assert "Spark UI: http://" in text
    assert f"record section: {EXPECTED_LIVE} windows drawn" in text
    images = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 2, "the record section and the before/after plot are shown inline"

    db = client["getting_started"]
    assert db.wf_TimeSeries.count_documents({"data_tag": "parallel_windows"}) == int(EXPECTED_LIVE)
    assert db.cemetery.count_documents({"data_tag": "parallel_windows"}) == 45 - int(EXPECTED_LIVE)
    assert db.wf_TimeSeries.count_documents({"data_tag": "serial_prototype"}) == int(EXPECTED_LIVE)


EXPECTED_LIVE = "27"  # 6 Okhotsk + 21 PB01 (the other 18 PB01 windows do not fit or have no P)
