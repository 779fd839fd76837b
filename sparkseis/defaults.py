"""The one default of each setting, beside its name (conf/sparkseis.toml and the environment
override them through sparkseis.config; library functions use them as their defaults)."""

STORAGE_MODE = "gridfs"  # where saved samples go: gridfs | file
OUTPUT_DIR = "var/waveforms"  # storage mode file: folder of new sample files (relative: to the project)
ORIGIN = "hypocentre"  # which origin of an event import stores: P times start at the hypocentre
MONGODB_W = 1  # saved records are acknowledged by this many members (or "majority"), and journaled
MONGODB_TIMEOUT_S = 5.0  # how long to wait for a MongoDB server, s
EMBEDDED_SERVER = "nx-27017"  # nx-27017 (SQLite) | secantusdb (WiredTiger)
EMBEDDED_PORT = 27117
EMBEDDED_DIR = "var/mongo"
EVENT_LOG_DIR = "var/spark-events"
LOCAL_IP = "127.0.0.1"  # where local masters, the UI, the embedded and history servers listen
HISTORY_PORT = 18080
SPARK_MASTER = "local[*,4]"  # all cores, and a failed task is retried as on a cluster
