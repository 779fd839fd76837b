"""Which copy of pyspark a process imports. spark-submit and the Python workers it starts put
SPARK_HOME/python/lib/pyspark.zip and py4j-*.zip first on sys.path; for a pip-installed pyspark
these zips hold the very package installed beside them, but zipimport compiles every module
again in each process (about 1 s of a driver's or a worker's start), while the installed
package has its compiled files."""

from __future__ import annotations

import os
import sys
from importlib.machinery import PathFinder


def _inside(path: str, folder: str) -> bool:
    return os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep)


def prefer_installed_pyspark() -> bool:
    """Move spark-submit's pyspark and py4j zips behind the installed packages when the zips
    belong to that installed pyspark (so it is the same version); True if it did. Does nothing
    once pyspark is imported, or when the zips come from another Spark (SPARK_HOME)."""
    if "pyspark" in sys.modules or "py4j" in sys.modules:
        return False
    zips = [p for p in sys.path if p.endswith(".zip") and os.path.basename(p).startswith(("pyspark", "py4j"))]
    if not zips:
        return False
    rest = [p for p in sys.path if p not in zips]
    pyspark, py4j = PathFinder.find_spec("pyspark", rest), PathFinder.find_spec("py4j", rest)
    if pyspark is None or py4j is None or pyspark.origin is None:
        return False
    if not all(_inside(z, os.path.dirname(pyspark.origin)) for z in zips):
        return False
    sys.path[:] = rest + zips
    return True
