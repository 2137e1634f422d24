"""`verify`: does a reproduction match a published reference (a manifest, nasdqn/outputs/manifest.py),
and where it does not, does the difference matter?

Per file: equal, different (with the first differing line: its number and both sides, where the
reference holds the line) or missing. Per study whose run files or per-run table differ: a
two-sample test of the reference's runs against the reproduction's, per agent and metric, Holm-
corrected over the agent x metric family. Per study: every claim's verdict against the
reference's (claims about wall time are reported, not counted: a clock measured them). And what
differs in the provenance of the two sets of runs, which may explain a difference.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from nasdqn.analysis import stats, survival
from nasdqn.analysis.readers import read_table
from nasdqn.outputs.manifest import LINE_DIGEST_BYTES, PER_RUN_NEEDED, RUN_CSVS, TIMED_CLAIMS, build_manifest, hashed_bytes, lines_of, load_manifest, verdicts
from nasdqn.outputs.provenance import field_values, read_record
from nasdqn.settings.errors import UsageError

ALPHA = 0.05  # level of the consistency tests, after Holm's correction over a study's agent x metric family
WIDTH = 110  # characters of a line shown
END = "(end of file)"
DIGEST_ONLY = "(the manifest holds a digest of this line, not the line)"


# ----- file by file ------------------------------------------------------------------------------
@dataclass
class FileCheck:
    """One file: equal, different (with the first differing line of both sides) or missing."""

    path: str
    status: str
    form: str
    line: int | None = None
    reference: str | None = None
    reproduction: str | None = None
    column: str | None = None


def _shorten(text: str, start: int = 0) -> str:
    """At most WIDTH characters of a line, from a little before `start` (where two lines part)."""
    begin = max(0, min(start - 30, len(text) - WIDTH))
    return ("..." if begin else "") + text[begin: begin + WIDTH] + ("..." if begin + WIDTH < len(text) else "")


def _first_differing_line(entry: dict, lines: list[bytes]) -> int:
    digests, n = base64.b64decode(entry["line_digests"]), LINE_DIGEST_BYTES
    for i, line in enumerate(lines):
        if i >= entry["lines"] or hashlib.sha256(line).digest()[:n] != digests[i * n: (i + 1) * n]:
            return i
    return len(lines)


def _column(header: str, a: str, b: str) -> str | None:
    """The name of the first CSV cell in which two data lines differ."""
    names, cells_a, cells_b = (next(csv.reader([line]), []) for line in (header, a, b))
    k = next((k for k, (x, y) in enumerate(zip(cells_a, cells_b)) if x != y), min(len(cells_a), len(cells_b)))
    return names[k] if k < len(names) else None


def first_difference(entry: dict, lines: list[bytes]) -> tuple[int, str, str, str | None]:
    """(1-based line, the reference's line, the reproduction's line, the first differing column)
    of the first line that differs; the reference's line where the manifest holds it."""
    i = _first_differing_line(entry, lines)
    text = [line.decode("utf-8", errors="replace") for line in lines]
    mine = text[i] if i < len(text) else END
    ref = END if i >= entry["lines"] else entry.get("text", [None] * entry["lines"])[i]
    if ref is None:
        return i + 1, DIGEST_ONLY, _shorten(mine), None
    at = next((k for k, (x, y) in enumerate(zip(ref, mine)) if x != y), min(len(ref), len(mine)))
    column = _column(text[0], ref, mine) if i > 0 and END not in (ref, mine) else None
    return i + 1, _shorten(ref, at), _shorten(mine, at), column


def check_file(results: Path, rel: str, entry: dict) -> FileCheck:
    """The reproduction's copy of one file of the reference, hashed in the reference's form."""
    path = results / rel
    if not path.is_file():
        return FileCheck(rel, "missing", entry["form"])
    data = hashed_bytes(path, entry["form"])
    if hashlib.sha256(data).hexdigest() == entry["sha256"]:
        return FileCheck(rel, "equal", entry["form"])
    return FileCheck(rel, "different", entry["form"], *first_difference(entry, lines_of(data)))


# ----- statistical consistency of the per-run metrics ------------------------------------------
def _welch(column: str):
    def test(ref: pd.DataFrame, rep: pd.DataFrame) -> tuple[float, str, str]:
        a, b = (df[column].to_numpy(dtype=np.float64) for df in (ref, rep))
        if a.size < 2 or b.size < 2:
            p = float("nan")
        elif np.ptp(a) == 0 and np.ptp(b) == 0:  # no spread on either side: equal or plainly different
            p = 1.0 if a[0] == b[0] else 0.0
        else:
            p = float(stats.welch(a, b, ALPHA).p[0])
        return p, *(f"mean {x.mean():.6g} (n {x.size})" if x.size else "no runs" for x in (a, b))
    return test


def _reached(df: pd.DataFrame) -> np.ndarray:
    return df["threshold_reached"].astype(str).str.lower().eq("true").to_numpy()


def _fisher(ref: pd.DataFrame, rep: pd.DataFrame) -> tuple[float, str, str]:
    """Fisher's exact test of the share of runs that reached the threshold."""
    a, b = _reached(ref), _reached(rep)
    p = float(sps.fisher_exact([[a.sum(), a.size - a.sum()], [b.sum(), b.size - b.sum()]]).pvalue) if a.size and b.size else float("nan")
    return p, *(f"{int(x.sum())} of {x.size} reached" for x in (a, b))


def _logrank(ref: pd.DataFrame, rep: pd.DataFrame) -> tuple[float, str, str]:
    """The log-rank test of the time to threshold, censored runs kept at the budget (permutation p)."""
    (ta, ea), (tb, eb) = ((df["episodes_to_threshold"].to_numpy(dtype=np.float64), _reached(df)) for df in (ref, rep))
    p = float(survival.logrank(ta, ea, tb, eb).p[0]) if ta.size and tb.size else float("nan")
    return p, *(f"median {np.median(t):.6g} ({int(e.sum())} reached)" if t.size else "no runs" for t, e in ((ta, ea), (tb, eb)))


# metric -> (test, function of (reference runs, reproduced runs) of one agent -> (p, reference, reproduction))
CONSISTENCY_TESTS = {
    "final_performance": ("Welch t", _welch("final_performance")),
    "stability": ("Welch t", _welch("stability")),
    "peak": ("Welch t", _welch("peak")),
    "threshold_reached": ("Fisher exact", _fisher),
    "episodes_to_threshold": ("log-rank (permutation p)", _logrank),
}
TESTS_IN_WORDS = ("Welch's t on final_performance, stability and peak; Fisher's exact test on threshold_reached; the log-rank "
                  "test (permutation p, censored runs kept) on episodes_to_threshold")


@dataclass
class MetricCheck:
    agent: str
    metric: str
    test: str
    reference: str
    reproduction: str
    p: float
    p_holm: float = float("nan")


def consistency(ref: pd.DataFrame, rep: pd.DataFrame) -> list[MetricCheck]:
    """One two-sample test per agent and metric, Holm-corrected over the whole agent x metric family."""
    rows = []
    for agent in sorted(set(ref["agent"])):
        mine, theirs = ref[ref["agent"] == agent], rep[rep["agent"] == agent]
        for metric, (name, test) in CONSISTENCY_TESTS.items():
            p, reference, reproduction = test(mine, theirs)
            rows.append(MetricCheck(agent, metric, name, reference, reproduction, p))
    for row, p in zip(rows, stats.holm(np.array([r.p for r in rows]))):
        row.p_holm = float(p)
    return rows


def reference_per_run(study: dict) -> pd.DataFrame:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([study["per_run"]["columns"], *study["per_run"]["rows"]])
    return pd.read_csv(io.StringIO(out.getvalue()), dtype={"agent": str})


def reproduced_per_run(path: Path) -> pd.DataFrame:
    return read_table(path, PER_RUN_NEEDED, dtype={"agent": str})


# ----- one study, and the whole verification ----------------------------------------------------
@dataclass
class VerdictChange:
    claim: str
    reference: str
    reproduction: str
    timed: bool  # a claim about what a clock measured: reported, not counted


@dataclass
class StudyCheck:
    study: str
    note: str = ""
    tests: list[MetricCheck] = field(default_factory=list)
    verdicts_compared: int = 0
    verdict_changes: list[VerdictChange] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return all(not (t.p_holm < ALPHA) for t in self.tests)


def verdict_changes(reference: dict[str, str], path: Path) -> list[VerdictChange]:
    mine = verdicts(path)
    claims = sorted(set(reference) | set(mine))
    return [VerdictChange(c, reference.get(c, "(no such claim)"), mine.get(c, "(absent)"), c in TIMED_CLAIMS)
            for c in claims if reference.get(c) != mine.get(c)]


def check_study(results: Path, name: str, study: dict, files: dict[str, FileCheck]) -> StudyCheck:
    """Where the study's run files or per-run table differ: the two-sample tests; always: the verdicts."""
    check = StudyCheck(name)
    metrics = results / name
    if (metrics / "claims.csv").is_file():
        check.verdicts_compared = len(study["verdicts"])
        check.verdict_changes = verdict_changes(study["verdicts"], metrics / "claims.csv")
    ours = [f"{key}/{n}" for _, _, key in study["runs"] for n in RUN_CSVS] + [f"{name}/per_run.csv"]
    if all(files[f].status == "equal" for f in ours if f in files):
        check.note = "every run file and per_run.csv is equal: nothing to test"
    elif not (metrics / "per_run.csv").is_file():
        check.note = "per_run.csv is missing: the per-run metrics could not be tested"
    else:
        check.tests = consistency(reference_per_run(study), reproduced_per_run(metrics / "per_run.csv"))
    return check


@dataclass
class ProvenanceDifference:
    field: str
    reference: list[str]
    reproduction: list[str]


def provenance_differences(results: Path, reference: dict) -> list[ProvenanceDifference]:
    """The provenance fields whose values differ between the reference's runs and the reproduction's."""
    keys = sorted(reference)
    ref = field_values([(k, reference[k]) for k in keys])
    rep = field_values([read_record(results / k / "run.json") for k in keys if (results / k / "run.json").is_file()])
    out = []
    for name in dict.fromkeys([*ref, *rep]):
        a, b = ref.get(name, {"not recorded": len(keys)}), rep.get(name, {"not recorded": len(keys)})
        if set(a) != set(b):
            out.append(ProvenanceDifference(name, *([f"{v} ({n} runs)" for v, n in sorted(c.items())] for c in (a, b))))
    return out


@dataclass
class Verification:
    results: str
    reference: str
    written_by: str
    runs: int
    files: list[FileCheck]
    studies: list[StudyCheck]
    provenance: list[ProvenanceDifference]

    def problems(self) -> list[str]:
        """What makes the exit status 1: missing files, changed verdicts, inconsistent metrics."""
        out = [f"missing: {f.path}" for f in self.files if f.status == "missing"]
        for s in self.studies:
            out += [f"verdict changed ({s.study}): {c.claim} {c.reference} -> {c.reproduction}" for c in s.verdict_changes if not c.timed]
            if not s.consistent:
                bad = [f"{t.agent} {t.metric} (Holm p {t.p_holm:.3g})" for t in s.tests if t.p_holm < ALPHA]
                out.append(f"not statistically consistent ({s.study}): {', '.join(bad)}")
        return out

    @property
    def exit_code(self) -> int:
        return 1 if self.problems() else 0

    def as_json(self) -> dict:
        """JSON-ready (a p-value that could not be computed becomes null)."""
        return _finite({**asdict(self), "problems": self.problems(), "exit_code": self.exit_code})


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def verify(results: str | Path, reference_path: str | Path) -> Verification:
    """Compare a results folder with a reference: a manifest file, or another results folder
    (then both sides of every differing line are shown). Bad input raises a NasdqnError."""
    results = Path(results)
    if not results.is_dir():
        raise UsageError(f"RESULTS {results}: not a folder")
    manifest = build_manifest(reference_path, with_text=True) if Path(reference_path).is_dir() else load_manifest(reference_path)
    files = {rel: check_file(results, rel, entry) for rel, entry in sorted(manifest["files"].items())}
    studies = [check_study(results, name, study, files) for name, study in sorted(manifest["studies"].items())]
    return Verification(str(results), str(reference_path), str(manifest.get("written_by", "?")), len(manifest["provenance"]),
                        list(files.values()), studies, provenance_differences(results, manifest["provenance"]))


# ----- the report on stdout: the answer first --------------------------------------------------
def _file_lines(files: list[FileCheck], verbose: bool) -> list[str]:
    """The counts, then every differing file (with its first differing row) and every missing one;
    the equal files only when verbose."""
    counts = {s: [f for f in files if f.status == s] for s in ("different", "missing", "equal")}
    lines = [f"files: {', '.join(f'{len(v)} {k}' for k, v in counts.items())} (of {len(files)})"]
    for status, group in counts.items():
        if not group:
            continue
        if status == "equal" and not verbose:
            lines.append(f"  equal ({len(group)}): listed with --verbose")
            continue
        lines.append(f"  {status} ({len(group)}):")
        for f in group:
            form = " (canonical form: no timed columns or rows, run directories relative)" if f.form == "canonical" else ""
            lines.append(f"    {f.path}{form}")
            if f.status == "different":
                where = f" (column {f.column})" if f.column else ""
                lines += [f"      first differing row: line {f.line}{where}", f"        reference:    {f.reference}",
                          f"        reproduction: {f.reproduction}"]
    return lines


def _study_lines(s: StudyCheck) -> list[str]:
    lines = [f"study {s.study}:"]
    if s.note:
        lines.append(f"  statistical consistency: {s.note}")
    else:
        lines.append(f"  statistical consistency, reference runs against these, per agent and metric ({TESTS_IN_WORDS}; "
                     f"Holm-corrected over the {len(s.tests)} tests of the agent x metric family, alpha {ALPHA}):")
        lines.append(f"    {'agent':<16} {'metric':<22} {'reference':<28} {'reproduction':<28} {'p':>8} {'Holm p':>8}")
        for t in s.tests:
            lines.append(f"    {t.agent:<16} {t.metric:<22} {t.reference:<28} {t.reproduction:<28} {t.p:>8.3g} {t.p_holm:>8.3g}")
        bad = [f"{t.agent} {t.metric}" for t in s.tests if t.p_holm < ALPHA]
        lines.append(f"    -> {'NOT consistent: ' + ', '.join(bad) if bad else 'consistent: no test rejects at alpha after Holm'}")
    counted = [c for c in s.verdict_changes if not c.timed]
    lines.append(f"  verdicts: {s.verdicts_compared} claims compared, {len(counted) or 'none'} changed"
                 if s.verdicts_compared else "  verdicts: not compared (claims.csv is missing)")
    for c in s.verdict_changes:
        tag = "changed, not counted (a claim about wall time, measured with a clock)" if c.timed else "CHANGED"
        lines.append(f"    {tag}: {c.claim}: {c.reference} -> {c.reproduction}")
    return lines


def verdict_lines(v: Verification) -> list[str]:
    """The answer: the result with the exit status, and what makes it fail."""
    problems = v.problems()
    different = sum(f.status == "different" for f in v.files)
    if problems:
        return [f"result: FAILED (exit 1): {len(problems)} problem(s)", *(f"  {p}" for p in problems)]
    if different:
        return [f"result: OK (exit 0): {different} file(s) differ, statistically consistent with the reference; no verdict changed"]
    return ["result: OK (exit 0): every file equals the reference"]


def report_text(v: Verification, verbose: bool = False) -> str:
    """The verdict and the counts on top, then the differing or missing files, the provenance and
    each study's checks; the full list of equal files only when verbose."""
    lines = [f"verify {v.results} against {v.reference} ({v.runs} runs, {len(v.studies)} studies; written by {v.written_by})",
             *verdict_lines(v), ""]
    lines += _file_lines(v.files, verbose) + [""]
    if v.provenance:
        lines.append("provenance: the reference's runs and these differ in (this may explain byte differences):")
        lines += [f"  {d.field}: reference {'; '.join(d.reference)} | here {'; '.join(d.reproduction)}" for d in v.provenance]
    else:
        lines.append("provenance: no recorded field differs between the reference's runs and these")
    for s in v.studies:
        lines += ["", *_study_lines(s)]
    return "\n".join(lines) + "\n"
