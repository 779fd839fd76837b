"""spark-submit entry point for the three-component P-window job (options: sparkseis/commands/p_window.py).

spark-submit jobs/p_window_3c.py --db getting_started --t0offset 0 --tolerance 400 --window -60 35 --pdiff
"""

import sys

from sparkseis.commands.p_window_3c import main

if __name__ == "__main__":
    sys.exit(main())
