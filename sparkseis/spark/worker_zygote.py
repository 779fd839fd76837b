"""A preloaded process that becomes the Python worker daemon when Spark asks for one.

Spark starts its worker daemon (sparkseis.spark.worker_daemon) only when the first task runs,
and that daemon then imports the processing chain (2-3 s, twice that without bytecode) while
the job waits. With a local master the driver starts this "zygote" as soon as it begins
(`start`): it imports the chain while the JVM and the Spark context start. The daemon Spark
launches then hands the zygote its pipes, environment, working folder and module path
(`hand_over`); the zygote forks a child that takes them over and runs pyspark's daemon, already
loaded. When no zygote is there, or it was started by a different interpreter, environment or
set of packages, the daemon imports the chain itself, as before: the zygote only saves time.

The zygote holds no connection and starts no thread (its children are forked). It ends when
the driver stops it or exits. Linux and macOS (Unix sockets that pass file descriptors).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass

# the Spark setting that turns the zygote off (false); conf/spark/spark-defaults.conf
CONF = "spark.sparkseis.workerZygote"
# the variable that tells the daemon where the zygote listens (spark.executorEnv. of the context)
SOCKET_VAR = "SPARKSEIS_ZYGOTE_SOCKET"
# environment a module may read when it is imported (OpenBLAS its threads, str its hash seed):
# a zygote started under other values than the daemon's is not used
IMPORT_TIME_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED")
# the packages the zygote preloads, which must be the ones the daemon would import
PACKAGES = ("pyspark", "numpy", "scipy", "sparkseis")
# a daemon waits this long for a zygote that is still importing (s), then imports itself
_FINGERPRINT_WAIT_S = 120.0


def _fingerprint(modules: dict) -> dict:
    """What must agree between the zygote and a daemon: interpreter, import-time environment
    and where each preloaded package comes from (already imported, or as the daemon would find it)."""
    origins = {}
    for name in PACKAGES:
        module = modules.get(name)
        if module is not None:
            origins[name] = getattr(module, "__file__", None)
        else:
            spec = importlib.util.find_spec(name)
            origins[name] = spec.origin if spec is not None else None
    return {
        "version": sys.version,
        "prefix": sys.prefix,
        "env": {k: os.environ.get(k) for k in IMPORT_TIME_ENV},
        "origins": origins,
    }


# ---- the driver's side ---------------------------------------------------------------------


@dataclass
class _Zygote:
    process: subprocess.Popen
    socket_path: str


_running: _Zygote | None = None


def supported() -> bool:
    """Whether this platform can pass a daemon's pipes to a zygote (Unix sockets with SCM_RIGHTS)."""
    return hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds") and os.name == "posix"


def wanted(master: str | None, conf) -> bool:
    """Whether a session should use a zygote: a local master (the workers fork on this machine),
    sparkseis' daemon, and CONF not false. conf: Spark settings with .get (dict or SparkConf)."""
    return (
        (master or "").startswith("local")
        and conf.get("spark.python.daemon.module", None) == "sparkseis.spark.worker_daemon"
        and (conf.get(CONF, None) or "true").strip().lower() != "false"
    )


def start() -> str | None:
    """Start this driver's zygote (once; later calls return the same one): the path of its
    socket, for SOCKET_VAR in the daemon's environment, or None where it cannot start."""
    global _running
    if _running is not None and _running.process.poll() is None:
        return _running.socket_path
    if not supported():
        return None
    folder = tempfile.mkdtemp(prefix="sparkseis-zygote-")  # private (mode 0700)
    path = os.path.join(folder, "daemon.sock")
    if len(path.encode()) > 100:  # sun_path holds 104-108 bytes
        os.rmdir(folder)
        return None
    # the environment Spark gives the daemon, where it matters before any task (see IMPORT_TIME_ENV)
    env = dict(os.environ, PYTHONHASHSEED=os.environ.get("PYTHONHASHSEED", "0"))
    env.setdefault("OMP_NUM_THREADS", "1")
    process = subprocess.Popen(
        [sys.executable, "-m", "sparkseis.spark.worker_zygote", path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # a Ctrl-C at the terminal is the driver's to handle
    )
    _running = _Zygote(process, path)
    atexit.register(stop)
    return path


def stop() -> None:
    """Stop the zygote, if one runs (the daemons it forked run on until Spark stops them)."""
    global _running
    zygote, _running = _running, None
    if zygote is None:
        return
    if zygote.process.poll() is None:
        zygote.process.terminate()
        try:
            zygote.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            zygote.process.kill()
            zygote.process.wait()
    _remove(zygote.socket_path)


def _remove(socket_path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(socket_path)
    with contextlib.suppress(FileNotFoundError, OSError):
        os.rmdir(os.path.dirname(socket_path))


# ---- the zygote ----------------------------------------------------------------------------


def serve(socket_path: str) -> None:
    """Listen at socket_path, preload the chain, then fork a daemon for each request until the
    driver (the parent) is gone."""
    driver = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)  # before the imports: a daemon that asks meanwhile waits for them
    listener.listen(8)
    from sparkseis.spark.worker_daemon import preload

    preload()
    import pyspark.daemon  # noqa: F401

    fingerprint = json.dumps(_fingerprint(sys.modules)).encode() + b"\n"
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the daemons are reaped as they end
    listener.settimeout(1.0)
    while os.getppid() == driver:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            try:
                _fork_daemon(conn, listener, fingerprint)
            except (OSError, ValueError) as err:  # a daemon that went away mid-request
                print(f"sparkseis worker zygote: a request failed ({err!r})", file=sys.stderr)
    _remove(socket_path)  # the driver is gone without stopping us


def _fork_daemon(conn: socket.socket, listener: socket.socket, fingerprint: bytes) -> None:
    conn.settimeout(30.0)
    conn.sendall(fingerprint)
    message, fds, _, _ = socket.recv_fds(conn, 1, 3)
    if message != b"F" or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return  # the daemon does not match this zygote, and imports itself
    try:
        size = int.from_bytes(_read_exactly(conn, 8), "big")
        request = json.loads(_read_exactly(conn, size))
        pid = os.fork()
        if pid == 0:
            _become_daemon(fds, request, (conn, listener))  # never returns
    finally:
        for fd in fds:
            os.close(fd)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _read_exactly(conn: socket.socket, n: int) -> bytes:
    parts, left = [], n
    while left:
        part = conn.recv(left)
        if not part:
            raise ValueError("the daemon closed its connection mid-request")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _become_daemon(fds: list[int], request: dict, sockets: tuple[socket.socket, ...]) -> None:
    """In the forked child: take over the daemon's stdin, stdout, stderr, environment, folder,
    module path and arguments, and run pyspark's daemon; exits with its code."""
    code = 1
    try:
        for s in sockets:
            s.close()
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.path[:] = request["path"]
        sys.argv[:] = request["argv"]
        import pyspark.daemon

        try:
            pyspark.daemon.manager()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


# ---- the daemon's side ---------------------------------------------------------------------


def hand_over() -> bool:
    """In the daemon Spark launched: hand this process's pipes and environment to the zygote
    named by SOCKET_VAR, then stay until the forked daemon ends (forwarding Spark's SIGTERM) and
    exit. Returns False, having changed nothing, when there is no matching zygote."""
    path = os.environ.get(SOCKET_VAR)
    if not path:
        return False
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        conn.settimeout(_FINGERPRINT_WAIT_S)
        replies = conn.makefile("rb")
        theirs = json.loads(replies.readline() or b"null")
    except (OSError, ValueError):
        conn.close()
        return False
    if theirs != _fingerprint(sys.modules):
        conn.close()  # the zygote reads no descriptors, and serves the next daemon
        return False
    request = {"env": dict(os.environ), "cwd": os.getcwd(), "path": list(sys.path), "argv": list(sys.argv)}
    payload = json.dumps(request).encode()
    # from here on the zygote may own this daemon's pipes: no falling back
    socket.send_fds(conn, [b"F"], [0, 1, 2])
    conn.sendall(len(payload).to_bytes(8, "big") + payload)
    conn.settimeout(30.0)
    reply = json.loads(replies.readline())
    conn.close()
    _follow(int(reply["pid"]))


def _follow(pid: int) -> None:
    """Stay while the daemon pid lives, passing it SIGTERM (Spark's way to stop a daemon); exit
    when it does."""

    def forward(signum, _frame) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    while True:
        if handle is not None:
            ready, _, _ = select.select([handle], [], [], 1.0)
            if ready:
                break
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
    os._exit(0)


if __name__ == "__main__":
    serve(sys.argv[1])
