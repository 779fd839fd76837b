"""One local Spark for the whole test run, bound to loopback."""

import pytest


@pytest.fixture(scope="session")
def spark(embedded_server, tmp_path_factory):
    import os

    os.environ["SPARKSEIS_EVENT_LOG_DIR"] = str(tmp_path_factory.mktemp("spark-events"))
    from sparkseis.spark import session

    # local[2, 4]: two cores, and a failed task is retried (up to 4 attempts) as on a cluster
    s = session(
        "local[2,4]",
        app_name="sparkseis-tests",
        conf={
            "spark.ui.enabled": "false",
            "spark.driver.memory": "2g",
            # plain JSON lines, so tests can read the event log
            "spark.eventLog.compress": "false",
        },
    )
    yield s
    s.stop()
