"""A finished study's small tables, copied from its results root into its folder under studies/.

What is copied keeps the results root's own relative paths (so REPORT.md's link to
figures/forest.png still works): for a plain study the metrics tables that the documents and a
reader need, the forest plot and REPORT.md; for a study with variants (the sensitivity study) the
claims x variants matrix, its figure and REPORT.md at the top, and each variant's agents,
claims, per-run, summary and floor-check tables under variants/<name>/metrics/. A file over
SMALL bytes is left out (listed in source.json with its size); a required table that is missing
or too large stops the command before anything is written.

source.json records what was published and from what, deterministically (no clock, no absolute
path): the config and its SHA-256, the results root as given, the files with their SHA-256, and
the runs' provenance in brief (their commits, CPU models and nasdqn versions, from every run.json
that metrics/runs.csv names). Publishing the same results twice writes the same bytes; files an
earlier publish listed and this one does not are removed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from nasdqn import __version__
from nasdqn.outputs.manifest import study_runs
from nasdqn.outputs.provenance import read_record
from nasdqn.settings.errors import ResultsError
from nasdqn.settings.identity import RESULTS
from nasdqn.settings.plan import study_plan, study_root

SMALL = 512 * 1024  # bytes: a larger file is not a small table and is left out
SOURCE = "source.json"
PLAIN_FILES = ("metrics/agents.csv", "metrics/claims.csv", "metrics/comparisons.csv", "metrics/per_run.csv", "metrics/summary.csv",
               "metrics/robust.csv", "metrics/ceiling.csv", "metrics/floor.csv", "metrics/floor_check.csv", "metrics/oracle.csv",
               "metrics/oracle_ranking.csv", "metrics/runs.csv", "figures/forest.png", "REPORT.md")
PLAIN_REQUIRED = ("metrics/agents.csv", "metrics/claims.csv", "metrics/per_run.csv", "metrics/summary.csv", "metrics/runs.csv")
VARIANT_FILES = ("metrics/agents.csv", "metrics/claims.csv", "metrics/per_run.csv", "metrics/summary.csv", "metrics/floor_check.csv",
                 "metrics/runs.csv")
TOP_FILES = ("sensitivity/matrix.csv", "sensitivity/final_by_variant.png", "REPORT.md")
TOP_REQUIRED = ("sensitivity/matrix.csv",)


@dataclass
class Publication:
    """What one publish writes: file contents by relative path, and what it left out."""

    files: dict[str, bytes] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # relative path -> size in bytes
    metrics: list[Path] = field(default_factory=list)  # the metrics folders whose runs.csv names the runs


def _take(pub: Publication, root: Path, rel: str, prefix: str, required: bool) -> None:
    path = root / rel
    if not path.is_file():
        if required:
            raise ResultsError(f"{path}: missing (run the study's workflow to the end before publishing it)")
        return
    size = path.stat().st_size
    if size > SMALL:
        if required:
            raise ResultsError(f"{path}: {size} bytes, larger than a small table ({SMALL}); not published")
        pub.left_out[prefix + rel] = size
        return
    pub.files[prefix + rel] = path.read_bytes()


def results_root(cfg: dict, results: Path) -> tuple[Path, dict[str | None, Path]]:
    """The study's top results root and each variant's (None: a plain study), under `results`."""
    def under(root: str) -> Path:
        return results / Path(root).relative_to(RESULTS)

    return under(study_root(cfg)), {v: under(r) for v, r in study_plan(cfg).roots.items()}


def collect(cfg: dict, results: Path) -> Publication:
    """Every file to publish, read before anything is written."""
    top, roots = results_root(cfg, results)
    pub = Publication()
    if None in roots:
        for rel in PLAIN_FILES:
            _take(pub, top, rel, "", rel in PLAIN_REQUIRED)
        pub.metrics.append(top / "metrics")
        return pub
    for rel in TOP_FILES:
        _take(pub, top, rel, "", rel in TOP_REQUIRED)
    for variant, root in sorted(roots.items()):
        for rel in VARIANT_FILES:
            _take(pub, root, rel, f"variants/{variant}/", rel in PLAIN_REQUIRED)
        pub.metrics.append(root / "metrics")
    return pub


def runs_in_brief(results: Path, metrics: list[Path]) -> dict:
    """The runs' commits, CPU models and nasdqn versions (each distinct value once, sorted)."""
    keys = sorted({key for m in metrics for _, _, key in study_runs(m)})
    commits, cpus, versions = set(), set(), set()
    for key in keys:
        path = results / key / "run.json"
        if not path.is_file():
            raise ResultsError(f"{path}: missing (publish reads every run's provenance)")
        _, rec = read_record(path)
        rec = rec or {}
        code = rec.get("code") or {}
        commits.add(f"{code.get('commit')}{' (dirty)' if code.get('dirty') else ''}")
        cpus.add(str((rec.get("cpu") or {}).get("model")))
        versions.add(str((rec.get("versions") or {}).get("nasdqn")))
    return {"count": len(keys), "commits": sorted(commits), "cpu_models": sorted(cpus), "nasdqn": sorted(versions)}


def source_record(config: str, results: str, pub: Publication, runs: dict) -> dict:
    cfg_bytes = Path(config).read_bytes()
    return {"config": Path(config).as_posix(), "config_sha256": hashlib.sha256(cfg_bytes).hexdigest(), "results": Path(results).as_posix(),
            "published_by": f"nasdqn {__version__}", "files": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(pub.files.items())},
            "left_out": dict(sorted(pub.left_out.items())), "runs": runs}


def previous_files(out: Path) -> list[str]:
    """The files an earlier publish into `out` listed (none when there was none)."""
    try:
        return list(json.loads((out / SOURCE).read_text()).get("files", {}))
    except (OSError, ValueError, AttributeError):
        return []


def write(out: Path, pub: Publication, source: dict) -> None:
    from nasdqn.jobs.results import atomic_write_bytes, write_json

    for rel in previous_files(out):
        inside = not Path(rel).is_absolute() and ".." not in Path(rel).parts
        if inside and rel not in pub.files and (out / rel).is_file():
            (out / rel).unlink()
    for rel, data in sorted(pub.files.items()):
        atomic_write_bytes(out / rel, data)
    write_json(out / SOURCE, source)
