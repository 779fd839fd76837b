"""spark-submit entry point for the P-window job (options: sparkseis/commands/p_window.py).

spark-submit jobs/p_window.py --db getting_started --output-tag p_window
"""

from sparkseis.commands.p_window import main
from sparkseis.commands.process_exit import exit_now

if __name__ == "__main__":
    exit_now(main())
