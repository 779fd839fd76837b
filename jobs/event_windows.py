"""spark-submit entry point for the event-window job (options: sparkseis/commands/event_windows.py).

spark-submit jobs/event_windows.py --db archive --events '{"magnitude": {"$gte": 6}}' \
    --chan 'BH?' --min-distance 30 --max-distance 95 --output-tag windows
"""

from sparkseis.commands.event_windows import main
from sparkseis.commands.process_exit import exit_now

if __name__ == "__main__":
    exit_now(main())
