"""How the run summary shows kill reasons: numbers grouped into ranges, codes kept as written."""

from sparkseis.core.seismic import TimeSeries
from sparkseis.report import RunReport


def _dead(message: str) -> TimeSeries:
    d = TimeSeries(None, 0.0, 1.0)
    d.kill_with("bundle_seed_data", message)
    return d


def test_reasons_group_by_shape_and_keep_codes_with_leading_zeros():
    report = RunReport()
    for message in ("CX.PB01..BH: a member is dead", "gap of 2.5 s at S007", "gap of 12.4 s at S007"):
        report.add(_dead(message))
    lines = report.format().splitlines()
    assert "       1  bundle_seed_data: CX.PB01..BH: a member is dead" in lines
    assert "       2  bundle_seed_data: gap of 2.5..12.4 s at S007" in lines
    assert report.inputs_covered == 3 and report.outputs == 3
