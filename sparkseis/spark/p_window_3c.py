"""The three-component P-window job's engine: p_window's chain on every channel (read, match,
P time, window), then the windows of each (event, net, sta, loc, band + instrument) grouped by a
Spark shuffle, bundled into a Seismogram (bundle_seed_data), rotated to R, T, Z by the back
azimuth (transform_to_RTZ) and saved to wf_Seismogram. A Seismogram records the ids of the
inputs it was made of (`parent_ids`); the run's count check is that the outputs stand for
every input read. Its command-line front is sparkseis.commands.p_window_3c."""

from __future__ import annotations

import argparse
import time

from sparkseis import config
from sparkseis.algorithms import bundle_seed_data, transform_to_RTZ
from sparkseis.config import Settings
from sparkseis.core.ensemble import TimeSeriesEnsemble
from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.runs import RunRecord
from sparkseis.db.writer import parent_id
from sparkseis.report import RunReport
from sparkseis.spark import p_window
from sparkseis.spark.ensembles import group_ensembles
from sparkseis.spark.window_job import WindowJob, run_window_job, save_or_count

OUTPUT_COLLECTION = "wf_Seismogram"


def component_set(d: BasicSeismic) -> tuple:
    """(source_id, net, sta, loc, band + instrument): the windows one Seismogram is made of."""
    return (d.get("source_id"), d.get("net"), d.get("sta"), d.get("loc") or "", str(d.get("chan", ""))[:2])


def bundle_and_rotate(ensemble: TimeSeriesEnsemble):
    """The ensemble's Seismogram(s), each with the ids of all its inputs, rotated to R, T, Z."""
    parents = [parent_id(m) for m in ensemble.member]
    seismograms = bundle_seed_data(ensemble)
    for s in seismograms.member:
        s["parent_ids"] = parents
    return transform_to_RTZ(seismograms)


def _run_job(args, sc, db, plan, record: RunRecord | None, table, prepared=None) -> RunReport:
    """p_window's read and chain, then group, bundle, rotate, save or count: the job's own clock."""
    started = time.perf_counter()
    rdd, hooks, steps = p_window.windows(args, sc, db, plan, record, table, output_collection=OUTPUT_COLLECTION)
    gathers = group_ensembles(rdd, component_set)
    seismograms = gathers.map(bundle_and_rotate).setName(f"{gathers.name()} → bundle_seed_data → transform_to_RTZ")
    # a resume reads only inputs no record covers yet: a bundle is saved whole, so they form whole
    # component sets, and the check is that the run's records stand for every planned input
    expected = plan.total if args.resume else None
    report = save_or_count(
        seismograms, db, args, record, hooks.documents_read, collection=OUTPUT_COLLECTION, expected_records=expected
    )
    report.job, report.input_noun = "p_window_3c", "waveforms"
    report.wall_s = time.perf_counter() - started
    return report


P_WINDOW_3C = WindowJob("p_window_3c", "wf_miniseed", p_window.open_input, _run_job, OUTPUT_COLLECTION)


def run(
    args: argparse.Namespace, spark=None, settings: Settings | None = None, began: float | None = None
) -> RunReport:
    """Run the job; returns its report (p_window.run's rules)."""
    settings = settings or config.settings()
    table = p_window.validate_arguments(args, settings)
    return run_window_job(P_WINDOW_3C, args, spark, settings, began, table)
