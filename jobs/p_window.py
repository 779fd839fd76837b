"""spark-submit entry point for the P-window job (options: sparkseis/commands/p_window.py).

spark-submit jobs/p_window.py --db getting_started --output-tag p_window
"""

import sys

from sparkseis.commands.p_window import main

if __name__ == "__main__":
    sys.exit(main())
