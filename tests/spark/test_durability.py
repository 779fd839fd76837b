"""Acknowledged writes survive a crash of the database server: SIGKILL it while the job saves,
restart it on the same data, and every record written well before the crash (seen a second
before it: long since acknowledged, journaled) is there and readable, samples included;
--resume then completes the run to exactly one record per input."""

import subprocess
import time

from sparkseis.client import Client
from sparkseis.db.importer import import_folder
from tests.support import assert_one_record_per_input, new_server, spark_submit


def test_records_written_before_a_server_crash_survive_it(data_dir, tmp_path):
    server = new_server(tmp_path / "mongo")
    server.start()
    try:
        client = Client(server.uri)
        db = client["crash"]
        import_folder(db, data_dir)
        job, env = spark_submit("local[1,4]", "--db", "crash", "--mongo-uri", server.uri, "--t0offset", "0",
                                "--tolerance", "400", "--output-tag", "crash", "--partitions", "45",
                                event_log_dir=tmp_path)  # fmt: skip
        proc = subprocess.Popen(job, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen: list = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            seen = [
                d["_id"] for c in ("wf_TimeSeries", "cemetery") for d in db[c].find({"data_tag": "crash"}, {"_id": 1})
            ]
            if len(seen) >= 5:
                break
            time.sleep(0.05)
        time.sleep(1.0)  # what was visible is acknowledged by now; the job goes on writing until the crash
        client.close()
        assert server.kill(), "the server was not running"  # SIGKILL: no shutdown, no flush of its own
        assert 5 <= len(seen) < 45, f"could not catch the job mid-save ({len(seen)} records)"
        proc.wait(timeout=300)
        assert proc.returncode != 0

        server.start()
        db = Client(server.uri)["crash"]
        for record_id in seen:  # every record the server had answered with is still there, samples too
            doc = db.wf_TimeSeries.find_one({"_id": record_id})
            if doc is None:
                assert db.cemetery.find_one({"_id": record_id}) is not None, f"record {record_id} lost in the crash"
                continue
            d = db.read_data(record_id, collection="wf_TimeSeries")
            assert d.live and d.npts == doc["npts"] > 0, d.elog

        out = subprocess.run([*job, "--resume"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        run = db.jobs.find_one({"data_tag": "crash"})
        assert run["status"] == "succeeded"
        assert_one_record_per_input(db, run["_id"], [d["_id"] for d in db.wf_miniseed.find({}, {"_id": 1})])
    finally:
        server.stop()
