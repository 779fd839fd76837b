"""spark-submit entry point for the P-window job (see sparkseis/spark/p_window.py for options).

    spark-submit jobs/p_window.py --db getting_started --output-tag p_window
"""

import sys

from sparkseis.spark.p_window import main

if __name__ == "__main__":
    sys.exit(main())
