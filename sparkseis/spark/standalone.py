"""A Spark standalone cluster on this machine (a master and workers on loopback), from the
classes in the pyspark installation: to try cluster submission, and for the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sparkseis import servers
from sparkseis.spark.history import spark_bin

_MASTER = "org.apache.spark.deploy.master.Master"
_WORKER = "org.apache.spark.deploy.worker.Worker"


@dataclass
class StandaloneCluster:
    """A master on host:port and `workers` workers with `cores` cores and `memory` each; logs,
    pids and executor work folders under state_dir. Stopped by the pids it started."""

    state_dir: Path
    port: int
    webui_port: int
    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    host: str = "127.0.0.1"
    _pids: list[int] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://{self.host}:{self.port}"

    def _spark_class(self, *args: str) -> list[str]:
        return [str(spark_bin("spark-class")), *args]

    def start(self, timeout_s: float = 90.0) -> StandaloneCluster:
        """Start the master, then the workers; return once all accept connections."""
        env = {"SPARK_LOCAL_IP": self.host, "SPARK_PUBLIC_DNS": self.host}
        log = self.state_dir / "master.log"
        master = servers.spawn(
            self._spark_class(
                _MASTER, "--host", self.host, "--port", str(self.port), "--webui-port", str(self.webui_port)
            ),
            log,
            env=env,
        )
        self._pids.append(master.pid)
        servers.wait_listening(master, self.host, self.port, timeout_s, "Spark master", log)
        for i in range(self.workers):
            work = self.state_dir / f"worker{i}"
            work.mkdir(parents=True, exist_ok=True)
            worker_port = self.port + 1 + i
            log = self.state_dir / f"worker{i}.log"
            worker = servers.spawn(
                self._spark_class(
                    _WORKER,
                    self.master_url,
                    "--host",
                    self.host,
                    "--port",
                    str(worker_port),
                    "--webui-port",
                    str(self.webui_port + 1 + i),
                    "--cores",
                    str(self.cores),
                    "--memory",
                    self.memory,
                    "--work-dir",
                    str(work),
                ),
                log,
                env=env,
            )
            self._pids.append(worker.pid)
            servers.wait_listening(worker, self.host, worker_port, timeout_s, f"Spark worker {i}", log)
        return self

    def registered_workers(self) -> int:
        """Workers the master lists as ALIVE (its JSON status page)."""
        import json
        import urllib.request

        with urllib.request.urlopen(f"http://{self.host}:{self.webui_port}/json/", timeout=5) as answer:
            return sum(1 for w in json.load(answer).get("workers", []) if w.get("state") == "ALIVE")

    def stop(self) -> None:
        """Stop the workers, then the master (their executors end with them)."""
        for pid in reversed(self._pids):
            if _alive(pid):
                servers.terminate(pid, lambda p=pid: _alive(p), 15.0)
        self._pids.clear()


def _alive(pid: int) -> bool:
    text = servers.command_line(pid)
    return bool(text) and (_MASTER in text or _WORKER in text)
