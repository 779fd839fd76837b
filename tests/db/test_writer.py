import numpy as np
import pytest
from pymongo.errors import BulkWriteError

from sparkseis import TimeSeries


def data(n: int) -> list[TimeSeries]:
    """n data with their own samples; every fifth one dead."""
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        d = TimeSeries(rng.standard_normal(300 + i), 10.0 * i, 0.05, {"sta": f"S{i:03d}", "_source_key": f"k{i}"})
        if i % 5 == 4:
            d.kill_with("test", f"killed {i}")
        out.append(d)
    return out


@pytest.mark.parametrize("mode", ["gridfs", "file"])
@pytest.mark.parametrize("background", [True, False])
def test_sink_writes_every_datum_once(fresh_db, tmp_path, mode, background):
    inputs = data(103)  # batches of 16: the last one is partial
    sink = fresh_db.sink("w", mode, str(tmp_path), batch_size=16, run_id="r1", background=background)
    ids = [sink.add(d) for d in inputs]
    report = sink.close()
    live = [d for d in inputs if d.live]
    assert (report.live, report.dead) == (len(live), len(inputs) - len(live))
    assert (report.acknowledged_live, report.acknowledged_dead) == (report.live, report.dead)
    assert fresh_db["wf_TimeSeries"].count_documents({"run_id": "r1"}) == len(live)
    assert fresh_db["cemetery"].count_documents({"run_id": "r1"}) == len(inputs) - len(live)
    for d, doc_id in zip(inputs, ids):
        if d.live:
            back = fresh_db.read_data(doc_id, collection="wf_TimeSeries")
            np.testing.assert_array_equal(back.data, d.data)
            assert back["sta"] == d["sta"]
        else:
            assert fresh_db["cemetery"].find_one({"_id": doc_id})["reason"].endswith(d.elog[0].message)


def test_a_failed_background_write_is_raised_by_close(fresh_db):
    fresh_db["wf_TimeSeries"].create_index("sta", unique=True)
    inputs = data(40)
    inputs[21]["sta"] = inputs[20]["sta"]  # the server refuses the second: a duplicate key
    sink = fresh_db.sink("w", "gridfs", batch_size=8, run_id="r2")
    with pytest.raises(BulkWriteError):
        for d in inputs:
            sink.add(d)
        sink.close()
    assert sink._writer._shutdown  # noqa: SLF001 - the writer thread does not outlive the sink


def test_abandon_stops_the_writer_and_keeps_what_was_written(fresh_db):
    sink = fresh_db.sink("w", "gridfs", batch_size=4, run_id="r3")
    for d in data(10)[:8]:  # two full batches handed to the writer
        sink.add(d)
    sink.abandon()
    assert (
        fresh_db["wf_TimeSeries"].count_documents({"run_id": "r3"})
        + fresh_db["cemetery"].count_documents({"run_id": "r3"})
        == 8
    )
