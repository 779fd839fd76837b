"""spark-submit entry point for the three-component P-window job (options: sparkseis/commands/p_window.py).

spark-submit jobs/p_window_3c.py --db getting_started --t0offset 0 --tolerance 400 --window -60 35 --pdiff
"""

from sparkseis.commands.p_window_3c import main
from sparkseis.commands.process_exit import exit_now

if __name__ == "__main__":
    exit_now(main())
