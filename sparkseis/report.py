"""What a run did, counted: live and dead data by kill reason, the records the database
acknowledged and holds, and the run's timings; one typed RunReport that partitions fill,
the driver merges and checks, the run record keeps and the job prints."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sparkseis.core.errors import AccountingError
from sparkseis.core.seismic import BasicSeismic

_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def _worst(d: BasicSeismic):
    worst = d.elog.worst_errors()
    return worst[0] if worst else None


def _reason(worst, mask_numbers: bool) -> str:
    if worst is None:
        return "killed without a logged reason"
    message = _NUMBER.sub("#", worst.message) if mask_numbers else worst.message
    return f"{worst.algorithm}: {message}"


def kill_reason(d: BasicSeismic, mask_numbers: bool = True) -> str:
    """Why a datum died: its worst log entry, with numbers masked so that reasons group."""
    return _reason(_worst(d), mask_numbers)


def merge_value_ranges(into: list[list[float]], other: list[list[float]]) -> list[list[float]]:
    """Widen into's [min, max] per masked number by other's (the same reason's)."""
    if not into:
        return [list(r) for r in other]
    for mine, theirs in zip(into, other):
        mine[0], mine[1] = min(mine[0], theirs[0]), max(mine[1], theirs[1])
    return into


def describe_reason(reason: str, ranges: list[list[float]] | None, example: str | None = None) -> str:
    """reason with each masked number shown as its value, or its range over the data (lo..hi).
    A value written with leading zeros in the example (a code: PB01, S007) is shown as written."""
    if not ranges or reason.count("#") != len(ranges):
        return reason
    written = [m.group() for m in _NUMBER.finditer(example or "")]
    written = written if len(written) == len(ranges) else [""] * len(ranges)

    def show(lo: float, hi: float, text: str) -> str:
        if lo == hi:
            return text if re.fullmatch(r"0\d+", text) else f"{lo:g}"
        return f"{lo:g}..{hi:g}"

    shown = iter(show(lo, hi, text) for (lo, hi), text in zip(ranges, written))
    return re.sub("#", lambda _: next(shown), reason)


@dataclass
class RunReport:
    """A run's counts (filled per partition, merged on the driver) and, for a job, where and
    how long it ran. Times in s; `step_ms` in ms per waveform."""

    live: int = 0
    dead: int = 0
    inputs_covered: int = 0  # inputs the outputs stand for: one each, or a bundle's components (parent_ids)
    acknowledged_live: int = 0  # records the database confirmed
    acknowledged_dead: int = 0
    cremated: int = 0  # dead data deliberately left without a record (counted here only)
    partitions: int = 0
    killed_by: dict[str, int] = field(default_factory=dict)  # masked reason -> count
    examples: dict[str, str] = field(default_factory=dict)  # masked reason -> one real message
    value_ranges: dict[str, list[list[float]]] = field(default_factory=dict)  # masked reason -> [lo, hi] per number
    run_id: str | None = None
    stored: int | None = None  # records of this run the database holds after it
    replaced: dict[str, int] = field(default_factory=dict)  # older outputs of the tag removed
    documents_read: int | None = None
    # a job's context
    storage_mode: str | None = None
    inputs: int | None = None
    plan: str = ""
    plan_s: float = 0.0
    warm_up_s: float = 0.0
    startup_s: float = 0.0
    context_up: float = 0.0  # UNIX time (s) the Spark context was ready
    shutdown_s: float = 0.0
    wall_s: float = 0.0
    total_s: float | None = None
    step_ms: dict[str, float] = field(default_factory=dict)
    master: str = ""
    ui: str = ""
    event_log: str = ""
    application_id: str = ""
    database: str = ""
    mongo: str = ""
    output_tag: str | None = None
    output_collection: str = "wf_TimeSeries"
    count_only: bool = False
    plan_only: bool = False  # pairs planned and counted; nothing read
    job: str = "p_window"
    input_noun: str = "waveforms"  # what one input is
    bytes_read: int | None = None  # waveform bytes read from files or object stores
    files_touched: int | None = None
    file_bytes: int | None = None  # the sizes of the files touched, added

    @property
    def outputs(self) -> int:
        """Data that reached the end: live plus dead."""
        return self.live + self.dead

    def add(self, d: BasicSeismic) -> None:
        """Count one datum: live, or dead under its kill reason with the numbers in it; and the
        inputs it stands for (its parent_ids, when it was made of several)."""
        parents = d.get("parent_ids")
        self.inputs_covered += len(parents) if isinstance(parents, (list, tuple)) else 1
        if d.live:
            self.live += 1
            return
        self.dead += 1
        worst = _worst(d)
        reason = _reason(worst, mask_numbers=True)
        self.killed_by[reason] = self.killed_by.get(reason, 0) + 1
        if reason not in self.examples:
            self.examples[reason] = _reason(worst, mask_numbers=False)
        if worst is not None:
            values = [float(m.group()) for m in _NUMBER.finditer(worst.message)]
            self.value_ranges[reason] = merge_value_ranges(self.value_ranges.get(reason, []), [[v, v] for v in values])

    @classmethod
    def merge(cls, parts: Iterable[RunReport]) -> RunReport:
        """One report from the partitions' reports (killed_by in descending counts)."""
        total, killed = cls(), Counter()
        for part in parts:
            total.partitions += 1
            for name in ("live", "dead", "inputs_covered", "acknowledged_live", "acknowledged_dead", "cremated"):
                setattr(total, name, getattr(total, name) + getattr(part, name))
            killed.update(part.killed_by)
            for reason, example in part.examples.items():
                total.examples.setdefault(reason, example)
            for reason, values in part.value_ranges.items():
                total.value_ranges[reason] = merge_value_ranges(total.value_ranges.get(reason, []), values)
        total.killed_by = dict(killed.most_common())
        return total

    def check_counts(
        self,
        documents_read: int | None,
        stored: int | None,
        expected: int | None = None,
        stored_inputs: int | None = None,
    ) -> None:
        """AccountingError unless data read == outputs == records acknowledged (+ cremated) ==
        records stored (+ cremated). stored may also hold what an earlier attempt of a resumed
        run wrote: then the inputs the stored records stand for (stored_inputs, default stored:
        one each) must equal `expected`, the inputs the run covers."""
        problems = []
        if documents_read is not None and documents_read != self.inputs_covered:
            problems.append(
                f"{documents_read} documents read but {self.outputs} outputs stand for {self.inputs_covered}"
            )
        acknowledged = self.acknowledged_live + self.acknowledged_dead
        if acknowledged + self.cremated != self.outputs:
            problems.append(
                f"{self.outputs} outputs but the database acknowledged {acknowledged} records ({self.cremated} cremated)"
            )
        if stored is not None:
            covered = stored if expected is None or stored_inputs is None else stored_inputs
            recorded = (expected if expected is not None else self.outputs) - self.cremated
            if covered != recorded:
                what = f"{stored} records" + (f" standing for {covered} inputs" if covered != stored else "")
                problems.append(f"the database holds {what} of this run, expected {recorded}")
        if problems:
            raise AccountingError("; ".join(problems))

    def to_record(self) -> dict[str, Any]:
        """The counts a run record keeps (reasons as a list: they may hold '.' or '$')."""
        counts = {"live": self.live, "dead": self.dead, "outputs": self.outputs, "cremated": self.cremated}
        for name in ("stored", "documents_read", "bytes_read", "files_touched", "file_bytes"):
            if getattr(self, name) is not None:
                counts[name] = getattr(self, name)
        counts["killed_by"] = [
            {
                "reason": r,
                "count": n,
                "example": self.examples.get(r),
                "values": describe_reason(r, self.value_ranges.get(r), self.examples.get(r)),
            }
            for r, n in self.killed_by.items()
        ]
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "outputs": self.outputs}

    def format(self) -> str:
        """The job's summary, as printed at the end of a run."""
        n = self.documents_read if self.documents_read is not None else self.outputs
        wall, total = self.wall_s, self.total_s if self.total_s is not None else self.wall_s
        lines = [
            "",
            f"=== sparkseis {self.job} ===",
            f"database     : {self.database} at {self.mongo}",
            f"inputs       : {self.inputs} {self.input_noun} ({self.plan}, planned in {self.plan_s:.2f} s); {n} read by this run",
        ]
        if self.bytes_read is not None:
            per = self.bytes_read / n / 1024 if n else float("nan")
            lines.append(
                f"bytes read   : {self.bytes_read / 1e6:.2f} MB ({per:.1f} KiB per {self.input_noun.rstrip('s')}) of "
                f"{self.files_touched} files holding {(self.file_bytes or 0) / 1e6:.1f} MB"
            )
        if self.plan_only:
            lines[-1] = (
                f"planned      : {self.inputs} {self.input_noun} ({self.plan}, in {self.wall_s:.2f} s); nothing read"
            )
        elif self.count_only:
            lines.append(f"live         : {self.live} (count only, nothing saved)")
        else:
            lines.append(
                f"live saved   : {self.live} to {self.output_collection}, data_tag {self.output_tag!r} ({self.storage_mode}), "
                f"run {self.run_id}"
            )
        if not self.plan_only:
            lines.append(f"killed       : {self.dead}" + (" (in cemetery)" if not self.count_only else ""))
        lines += [
            f"  {count:6d}  {describe_reason(reason, self.value_ranges.get(reason), self.examples.get(reason))}"
            for reason, count in self.killed_by.items()
        ]
        if not self.count_only:
            lines.append(
                f"records      : {self.stored} in the database for this run (acknowledged {self.acknowledged_live} live + "
                f"{self.acknowledged_dead} dead)"
            )
            replaced = self.replaced
            lines.append(
                f"replaced     : {replaced.get('documents', 0)} older windows, "
                f"{replaced.get('cemetery', 0)} older cemetery records"
            )
        rate = n / wall if wall > 0 else float("nan")
        whole = n / total if total > 0 else float("nan")
        lines.append(
            f"wall time    : {wall:.1f} s job ({rate:.1f} {self.input_noun}/s), {total:.1f} s with start-up "
            f"({whole:.1f} {self.input_noun}/s); "
            f"start-up {self.startup_s:.1f} s"
            + (f", warm-up {self.warm_up_s:.1f} s (while planning)" if self.warm_up_s else "")
            + (f", shutdown {self.shutdown_s:.1f} s" if self.shutdown_s else "")
        )
        if self.step_ms:
            lines.append(
                f"per {self.input_noun.rstrip('s'):<9}: {sum(self.step_ms.values()):.2f} ms of worker time: "
                + ", ".join(f"{k} {v:.2f}" for k, v in self.step_ms.items())
            )
        lines.append(f"Spark        : {self.master}, app {self.application_id}; event log in {self.event_log}")
        if self.event_log.startswith("file:"):
            lines.append("               to browse this run after it ends: sparkseis history start")
        return "\n".join(lines)
