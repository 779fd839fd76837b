"""Import as a Spark job gives the database a serial import gives, bad files included."""

import shutil

from sparkseis.db.importer import import_folder
from sparkseis.spark.importer import import_folder_distributed


def _contents(db):
    wf = {d["_id"]: {k: v for k, v in d.items()} for d in db.wf_miniseed.find({})}
    return wf, db.site.count_documents({}), db.channel.count_documents({}), db.source.count_documents({})


def test_spark_import_equals_serial_import(spark, client, data_dir, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(data_dir, folder)
    (folder / "broken.mseed").write_bytes(b"000001D " + b"\xff" * 600)  # a record header, then garbage
    (folder / "notes.txt").write_text("not seismic data")
    serial, parallel = client["imp_serial"], client["imp_spark"]
    for db in (serial, parallel):
        client.drop_database(db.name)
    expected = import_folder(serial, folder, origin="hypocentre")
    got = import_folder_distributed(
        parallel, folder, origin="hypocentre", spark_context=spark.sparkContext, files_per_task=2
    )
    assert got["tasks"] > 2
    assert {k: v for k, v in got.items() if k != "tasks"} == expected | {"problems": got["problems"]}
    assert sorted(got["problems"]) == sorted(expected["problems"])
    wf_serial, *meta_serial = _contents(serial)
    wf_spark, *meta_spark = _contents(parallel)
    assert wf_spark == wf_serial and len(wf_spark) == 45 and meta_spark == meta_serial
    assert "notes.txt" in got["ignored"] and any(
        "broken.mseed" in p for p in got["problems"] + [f["file"] for f in got["failed"]]
    )
