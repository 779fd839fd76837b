"""Which pyspark a spark-submit process imports: the installed package rather than
spark-submit's zip of that same package (compiled again in every process), and the zip when
it belongs to another Spark."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyspark

ZIPS = sorted((Path(pyspark.__file__).parent / "python" / "lib").glob("*.zip"))


def _imported_from(pythonpath: list[Path]) -> str:
    code = "import sparkseis.spark, pyspark, py4j; print(pyspark.__file__); print(py4j.__file__)"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, pythonpath)))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout


def test_spark_submits_zips_give_way_to_the_installed_package():
    assert len(ZIPS) == 2, "pip's pyspark ships pyspark.zip and py4j-*.zip"
    where = _imported_from(ZIPS)
    assert ".zip" not in where and str(Path(pyspark.__file__).parent) in where


def test_zips_of_another_spark_are_left_first(tmp_path):
    elsewhere = []
    for z in ZIPS:
        shutil.copy(z, tmp_path / z.name)
        elsewhere.append(tmp_path / z.name)
    where = _imported_from(elsewhere)
    assert str(tmp_path / "pyspark.zip") in where
