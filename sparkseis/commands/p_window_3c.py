"""The three-component P-window job's command-line front (what spark-submit
jobs/p_window_3c.py runs): p_window's options and exit codes; the windows of each station's
three components are bundled into Seismograms, rotated to R, T, Z and saved to wf_Seismogram.
"""

from __future__ import annotations

import sys

from sparkseis.commands.p_window import build_parser as p_window_parser
from sparkseis.commands.p_window import run_command


def build_parser():
    p = p_window_parser()
    p.prog, p.description = "p_window_3c", __doc__
    p.set_defaults(output_tag="p_window_3c")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the job from command-line arguments; returns the exit code."""
    return run_command("p_window_3c", build_parser(), "sparkseis.spark.p_window_3c", argv)


if __name__ == "__main__":
    sys.exit(main())
