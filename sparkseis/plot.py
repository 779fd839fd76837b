"""Pictures of data: a record section of windows aligned on P, and one datum before and after
processing (matplotlib; for notebooks and `sparkseis plot`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sparkseis.core.seismic import BasicSeismic


def _figure(figsize: tuple[float, float], rows: int = 1):
    import matplotlib

    if matplotlib.get_backend().lower() not in (
        "module://matplotlib_inline.backend_inline",
        "nbagg",
        "widget",
        "ipympl",
    ):
        matplotlib.use("Agg")  # a file, not a window: works without a display
    import matplotlib.pyplot as plt

    return plt.subplots(rows, 1, figsize=figsize, sharex=True)


def _label(d: BasicSeismic) -> str:
    return ".".join(str(d.get(k, "")) for k in ("net", "sta", "chan") if d.get(k) is not None)


def traces_drawn(fig) -> int:
    """How many data traces a record_section figure shows (its P marker is a 2-point line)."""
    return sum(1 for line in fig.axes[0].lines if len(line.get_xdata()) > 2)


def record_section(
    data: Iterable[BasicSeismic], output: str | Path | None = None, title: str | None = None, scale: float = 0.45
):
    """The live data as a record section: one trace per datum at its epicentral distance
    (degrees), time relative to P (s) on x, each normalised to its largest absolute sample,
    labelled net.sta.chan. Writes a PNG if output is given; returns the matplotlib Figure.

    Data in UTC time are drawn relative to their Ptime when they carry one.
    """
    live = [d for d in data if d.live and d.npts > 0]
    live.sort(key=lambda d: (d.get("epicentral_distance", np.inf), _label(d)))
    distances = [float(d.get("epicentral_distance", i)) for i, d in enumerate(live)]
    # traces at equal distances (three channels of one station) are spread apart to stay readable
    ys: list[float] = []
    spacing = max(np.ptp(distances) / max(len(live), 1), 1.0) if live else 1.0
    for dist in distances:
        ys.append(dist if not ys or dist - ys[-1] >= spacing else ys[-1] + spacing)
    fig, ax = _figure((10, max(4.0, 0.35 * len(live) + 2)))
    for d, y in zip(live, ys):
        t = d.t0 + d.dt * np.arange(d.npts)
        if d.time_is_UTC() and d.get("Ptime") is not None:
            t = t - float(d["Ptime"])
        peak = np.max(np.abs(d.data)) or 1.0
        ax.plot(t, y + scale * spacing * d.data / peak, color="k", linewidth=0.5)
        ax.text(t[-1], y, f" {_label(d)}", fontsize=7, va="center")
    ax.axvline(0.0, color="tab:red", linewidth=0.8, linestyle="--", label="P")
    ax.set_xlabel("time relative to P (s)")
    ax.set_ylabel("epicentral distance (deg)")
    ax.set_title(title or f"record section: {len(live)} windows")
    ax.legend(loc="upper right")
    fig.tight_layout()
    if output is not None:
        fig.savefig(output, dpi=120)
    return fig


def before_after(
    raw: BasicSeismic, processed: BasicSeismic, output: str | Path | None = None, title: str | None = None
):
    """One datum before and after the processing chain on one time axis (s relative to P when
    the processed datum is relative, else UTC epoch s); returns the Figure (a PNG if output)."""
    fig, (top, bottom) = _figure((10, 5), rows=2)
    shift = processed.t0shift if processed.time_is_relative() and processed.t0shift is not None else 0.0
    for ax, d, name in ((top, raw, "raw"), (bottom, processed, "processed")):
        t = d.t0 + d.dt * np.arange(d.npts) - (shift if d.time_is_UTC() else 0.0)
        ax.plot(t, d.data, color="k", linewidth=0.5)
        ax.set_title(
            f"{name}: {_label(d)}, {d.npts} samples at {d.samprate():g} samples/s" + ("" if d.live else " (dead)"),
            fontsize=9,
        )
    if processed.npts:
        for ax in (top, bottom):
            ax.axvspan(processed.t0, processed.endtime(), color="tab:blue", alpha=0.08)
    bottom.set_xlabel("time relative to P (s)" if shift else "time (s)")
    fig.suptitle(title or "before and after processing")
    fig.tight_layout()
    if output is not None:
        fig.savefig(output, dpi=120)
    return fig
