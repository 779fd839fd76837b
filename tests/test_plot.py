"""Record section and before/after pictures, drawn from windows saved in the database."""

import matplotlib.image

from sparkseis.algorithms.chains import p_window_steps, run_steps
from sparkseis.cli import main
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher
from sparkseis.plot import before_after, record_section, traces_drawn


def _windows(db):
    matchers = [MiniseedMatcher(db, "channel"), OriginTimeMatcher(db, "source", t0offset=0.0, tolerance=400.0)]
    raw = [db.read_data(doc, normalize=matchers) for doc in db.wf_miniseed.find({})]
    steps = p_window_steps("iasp91", 20.0, (-30.0, 120.0))
    return raw, [run_steps(d.copy(), steps) for d in raw]


def test_record_section_draws_one_trace_per_live_window(shipped_db, tmp_path):
    raw, processed = _windows(shipped_db)
    live = [d for d in processed if d.live]
    assert 10 < len(live) < len(processed)
    png = tmp_path / "section.png"
    fig = record_section(processed, png)
    traces = [line for line in fig.axes[0].lines if len(line.get_xdata()) > 2]  # the P marker is a 2-point line
    assert len(traces) == len(live) == traces_drawn(fig)
    assert matplotlib.image.imread(png).shape[0] > 400
    assert {t.get_text().strip() for t in fig.axes[0].texts} >= {"AE.113A.BHZ", "TA.POKR.BHZ"}

    fig = before_after(raw[0], processed[0], tmp_path / "one.png")
    assert (tmp_path / "one.png").stat().st_size > 10_000 and len(fig.axes) == 2


def test_plot_command_draws_a_saved_tag(embedded_server, shipped_db, tmp_path, capsys):
    _, processed = _windows(shipped_db)
    shipped_db.delete_data_tag("plot_cli")
    for d in processed:
        if d.live:
            shipped_db.save_data(d, data_tag="plot_cli")
    live = sum(d.live for d in processed)
    out = tmp_path / "cli.png"
    assert (
        main(["plot", "--db", "shipped", "--tag", "plot_cli", "--output", str(out), "--mongo-uri", embedded_server.uri])
        == 0
    )
    assert out.exists() and f"({live} traces)" in capsys.readouterr().out
    assert (
        main(
            [
                "plot",
                "--db",
                "shipped",
                "--tag",
                "nothing_here",
                "--output",
                str(out),
                "--mongo-uri",
                embedded_server.uri,
            ]
        )
        == 2
    )
    assert "no saved windows" in capsys.readouterr().err


def test_version_flag(capsys):
    import pytest

    from sparkseis import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and __version__ in capsys.readouterr().out
