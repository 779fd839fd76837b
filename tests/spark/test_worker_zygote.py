"""The preloaded zygote that becomes Spark's Python worker daemon: used by a real local Spark,
handing over a daemon's pipes as the JVM would use them, and falling back where it must."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sparkseis.spark import worker_zygote
from sparkseis.spark.worker_zygote import SOCKET_VAR


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_local_spark_forks_its_workers_from_the_zygote(spark):
    def _worker_facts(_):  # defined here, so that it travels by value
        import os
        import sys

        return os.getpid(), os.getppid(), "SPARK_LOCAL_DIRS" in os.environ, "scipy.signal" in sys.modules

    sc = spark.sparkContext
    zygote = worker_zygote._running
    assert zygote is not None and zygote.process.poll() is None
    assert sc.getConf().get(f"spark.executorEnv.{SOCKET_VAR}") == zygote.socket_path
    facts = sc.parallelize(range(4), 2).map(_worker_facts).collect()
    daemons = {daemon for _, daemon, _, _ in facts}
    assert len(daemons) == 1
    (daemon,) = daemons
    assert _parent(daemon) == zygote.process.pid  # the daemon was forked by the zygote
    # ... and runs with the environment the JVM gave the daemon it launched, chain preloaded
    assert all(jvm_env and preloaded for _, _, jvm_env, preloaded in facts)


def test_wanted_only_for_local_masters_with_our_daemon():
    def conf(daemon: str, setting: str | None = None) -> dict:
        return {"spark.python.daemon.module": daemon, **({worker_zygote.CONF: setting} if setting else {})}

    ours = "sparkseis.spark.worker_daemon"
    assert worker_zygote.wanted("local[2]", conf(ours))
    assert worker_zygote.wanted("local[*,4]", conf(ours, "true"))
    assert not worker_zygote.wanted("local[2]", conf(ours, "false"))
    assert not worker_zygote.wanted("local[2]", conf(ours, " False "))
    assert not worker_zygote.wanted("spark://10.0.0.1:7077", conf(ours))
    assert not worker_zygote.wanted("local[2]", conf("pyspark.daemon"))
    assert not worker_zygote.wanted(None, conf(ours))


def test_no_zygote_named_or_none_listening_changes_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv(SOCKET_VAR, raising=False)
    assert worker_zygote.hand_over() is False
    monkeypatch.setenv(SOCKET_VAR, str(tmp_path / "nobody.sock"))
    assert worker_zygote.hand_over() is False


def _zygote_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONHASHSEED=os.environ.get("PYTHONHASHSEED", "0"))
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@pytest.fixture
def zygote(tmp_path_factory):
    """A zygote of the test process's own (not the Spark session's), stopped by pid."""
    folder = Path(tmp_path_factory.mktemp("zygote", numbered=True))
    path = str(folder / "z.sock")
    process = subprocess.Popen(
        [sys.executable, "-m", "sparkseis.spark.worker_zygote", path], env=_zygote_env(), start_new_session=True
    )
    deadline = time.monotonic() + 30
    while not Path(path).exists() and time.monotonic() < deadline:  # it binds before it imports
        time.sleep(0.05)
    yield path, process
    process.terminate()
    process.wait(timeout=10)


def _launch_daemon(socket_path: str, **env_changes: str) -> subprocess.Popen:
    """Launch sparkseis' daemon as the JVM does: its stdin and stdout are pipes to us."""
    env = dict(_zygote_env(), **{SOCKET_VAR: socket_path}, **env_changes)
    return subprocess.Popen(
        [sys.executable, "-m", "sparkseis.spark.worker_daemon"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _read_port(daemon: subprocess.Popen) -> int:
    (port,) = struct.unpack("!i", daemon.stdout.read(4))  # what pyspark's daemon writes first
    return port


def _daemon_behind(port: int) -> int:
    """The pid of the process listening on 127.0.0.1:port (from /proc)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
            inode = fields[9]
    assert inode is not None
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) == f"socket:[{inode}]":
                return int(fd.parts[2])
        except OSError:
            continue
    raise AssertionError(f"no process holds port {port}")


def test_daemon_handed_to_the_zygote_ends_when_spark_closes_its_stdin(zygote):
    path, process = zygote
    daemon = _launch_daemon(path)
    port = _read_port(daemon)
    forked = _daemon_behind(port)
    assert forked != daemon.pid and _parent(forked) == process.pid  # the zygote's child listens
    daemon.stdin.close()  # how Spark tells a daemon to exit
    assert daemon.wait(timeout=20) == 0
    time.sleep(0.2)
    assert not Path(f"/proc/{forked}").exists() or "Z" in Path(f"/proc/{forked}/stat").read_text().split()[2]
    # the zygote serves the next daemon too
    second = _launch_daemon(path)
    _read_port(second)
    second.send_signal(signal.SIGTERM)  # Spark's other way to stop a daemon: passed on
    second.wait(timeout=20)
    assert process.poll() is None


def test_a_daemon_that_does_not_match_the_zygote_imports_itself(zygote):
    path, process = zygote
    daemon = _launch_daemon(path, OMP_NUM_THREADS="3")  # OpenBLAS would start other threads
    port = _read_port(daemon)
    assert _daemon_behind(port) == daemon.pid  # pyspark's daemon runs in the launched process
    daemon.stdin.close()
    daemon.wait(timeout=20)
    assert process.poll() is None  # and the zygote waits for the next one
    matching = _launch_daemon(path)
    assert _parent(_daemon_behind(_read_port(matching))) == process.pid
    matching.stdin.close()
    matching.wait(timeout=20)
