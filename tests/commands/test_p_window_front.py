"""The job's front: a user's mistake is one line and exit code 2; a bug in sparkseis is a
traceback and exit code 1, never passed off as a mistake."""

import subprocess
import sys

from tests.support import REPO

BUG = """
import sys
import sparkseis.spark.window_job as engine
from sparkseis.commands.p_window import main

def broken(*args, **kwargs):
    return {}["a key nobody defined"]  # a bug inside the run, past every check

engine._process = broken
sys.exit(main(sys.argv[1:]))
"""


def _run(code: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_a_bug_in_the_run_is_a_traceback_and_exit_code_1(embedded_server, shipped_db):
    out = _run(BUG, "--db", shipped_db.name, "--mongo-uri", embedded_server.uri, "--count-only")
    assert out.returncode == 1, out.stderr[-2000:]
    assert "Traceback" in out.stderr and "KeyError: 'a key nobody defined'" in out.stderr
    assert "p_window:" not in out.stderr  # not reported as a mistake of the user's


def test_a_mistake_is_one_line_and_exit_code_2(embedded_server, shipped_db):
    out = _run(
        "import sys; from sparkseis.commands.p_window import main; sys.exit(main(sys.argv[1:]))",
        "--db",
        "no_such_database",
        "--mongo-uri",
        embedded_server.uri,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("p_window: database 'no_such_database' does not exist")
