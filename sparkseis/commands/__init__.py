"""Command-line fronts of the jobs: arguments, printed summaries and exit codes, over the engines in sparkseis.spark."""
