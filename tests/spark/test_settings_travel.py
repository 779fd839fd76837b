"""Spark tasks use the driver's settings, never their own process's configuration."""

import numpy as np

from sparkseis import TimeSeries, config
from sparkseis.client import Client


def test_a_task_saves_where_the_drivers_settings_say(spark, embedded_server, tmp_path, monkeypatch):
    # the workers' environment still says gridfs and another folder: the driver's Client says otherwise
    monkeypatch.setenv("SPARKSEIS_OUTPUT_DIR", str(tmp_path / "not-here"))
    driver = config.settings().replace(storage_mode="file", output_dir=tmp_path / "driver-folder")
    db = Client(embedded_server.uri, settings=driver).get_database("settings_travel")
    db.drop_collection("wf_TimeSeries")

    def save(i):
        return db.save_data(TimeSeries(np.full(10, float(i)), 0.0, 1.0, {"i": i}), data_tag="travel")["_id"]

    ids = spark.sparkContext.parallelize(range(4), 2).map(save).collect()
    docs = list(db.wf_TimeSeries.find({"_id": {"$in": ids}}))
    assert len(docs) == 4
    assert {d["storage_mode"] for d in docs} == {"file"} and {d["dir"] for d in docs} == {
        str(tmp_path / "driver-folder" / "travel")
    }
    assert not (tmp_path / "not-here").exists()
