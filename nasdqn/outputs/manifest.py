"""Reference manifests of a results folder: what `verify` (nasdqn/outputs/verify.py) compares a
reproduction with.

A manifest (JSON; `"format": "nasdqn-reference-manifest"`, `"format_version": 1`) holds, for
a results folder:

- `files`: every file it vouches for, keyed by its path relative to the results folder: the
  three CSV files of every run of every study (`runs/{agent}/{hash}/seed{seed}/episodes.csv`,
  `architectures.csv`, `evaluations.csv`) and every table of every study's metrics folder
  (`metrics/*.csv`, `variants/*/metrics/*.csv`) and of `sensitivity/`. Each entry: `sha256`,
  `form` (what was hashed: "bytes", the file as it is, or "canonical", see below), `lines`,
  `line_digests` (the first 3 bytes of the SHA-256 of each line, base64, so that `verify` can
  name the first differing line of a run file), and for tables `text`, the hashed lines
  themselves (so that both sides of a differing row can be shown);
- `canonical_form`: what a table's canonical form leaves out: the columns measured with a
  clock (analysis.metrics.TIMED_COLUMNS: wall time and the search's share of it), the rows of
  those metrics and of the claims about them (cost_comparable, negligible_overhead), and every
  run directory made relative to the results folder. A table is hashed in canonical form
  exactly when that changes it. The figures that plot wall time (settings.figures.TIMED_FIGURES),
  the other figures and REPORT.md are not in a manifest;
- `studies`: per metrics folder, its runs (`[agent, seed, run directory]`), the per-run metrics
  (`per_run`: the rows of per_run.csv without the timed columns, as text) and each claim's verdict;
- `provenance`: per run directory, the provenance record of its run.json (nasdqn/jobs/provenance.py).

The manifest of one results folder is byte-identical however often it is written (sorted keys,
no time stamps, no absolute paths).
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from pathlib import Path, PurePosixPath

from nasdqn import __version__
from nasdqn.analysis.claims import CLAIMS
from nasdqn.analysis.metrics import TIMED_COLUMNS
from nasdqn.jobs.results import write_json
from nasdqn.outputs.provenance import read_record
from nasdqn.settings.errors import ManifestError, ResultsError, UsageError

FORMAT = "nasdqn-reference-manifest"
FORMAT_VERSION = 1
RUN_CSVS = ("episodes.csv", "architectures.csv", "evaluations.csv")
TIMED_CLAIMS = tuple(c.id for c in CLAIMS if c.column in TIMED_COLUMNS)
STUDY_DIRS = ("metrics", "variants/*/metrics")  # metrics folders, relative to the results folder
OTHER_TABLES = ("sensitivity/*.csv",)
LINE_DIGEST_BYTES = 3
REFERENCES = Path("references")  # the published manifests, in the repository
CANONICAL_FORM = {
    "dropped_columns": list(TIMED_COLUMNS),
    "dropped_rows": {"metric": list(TIMED_COLUMNS), "claim": list(TIMED_CLAIMS)},
    "directory_column": "made relative to the results folder: runs/{agent}/{settings hash}/seed{seed}",
    "why": "wall time and the search's share of it are measured with a clock: they differ between any two runs and machines",
    "applies": "a table is hashed in canonical form exactly when that changes it (form 'canonical'); otherwise as it is ('bytes')",
}


# ----- the canonical form of a table ------------------------------------------------------------
def run_key(directory: str) -> str | None:
    """runs/{agent}/{hash}/seed{seed} from a run directory however it was written (results/runs/...,
    an absolute path, ...); None when it is not in the workflow's layout."""
    parts = PurePosixPath(directory).parts
    ok = len(parts) >= 4 and parts[-4] == "runs" and parts[-1].startswith("seed")
    return "/".join(parts[-4:]) if ok else None


def canonical(text: str) -> str | None:
    """The table without what a clock measured and with run directories relative to the results
    folder (CANONICAL_FORM); None when that leaves it as it is."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return None
    header = rows[0]
    drop = {i for i, c in enumerate(header) if c in TIMED_COLUMNS}
    timed = [(header.index(col), set(values)) for col, values in CANONICAL_FORM["dropped_rows"].items() if col in header]
    where = header.index("directory") if "directory" in header else None
    kept, changed = [], bool(drop)
    for row in rows[1:]:
        if any(i < len(row) and row[i] in values for i, values in timed):
            changed = True
            continue
        if where is not None and where < len(row) and run_key(row[where]) not in (None, row[where]):
            row, changed = [*row[:where], run_key(row[where]), *row[where + 1:]], True
        kept.append(row)
    if not changed:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in [header, *kept]:
        writer.writerow([c for i, c in enumerate(row) if i not in drop])
    return out.getvalue()


def lines_of(data: bytes) -> list[bytes]:
    """A file's lines, without their newlines (a last newline ends the last line)."""
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines


def _line_digests(lines: list[bytes]) -> str:
    return base64.b64encode(b"".join(hashlib.sha256(line).digest()[:LINE_DIGEST_BYTES] for line in lines)).decode()


def hashed_bytes(path: Path, form: str) -> bytes:
    """What a manifest hashes of a file: its bytes, or its canonical form (form 'canonical')."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing") from None
    if form == "canonical":
        text = canonical(data.decode("utf-8", errors="surrogateescape"))
        return data if text is None else text.encode("utf-8", errors="surrogateescape")
    return data


def file_entry(path: Path, table: bool, with_text: bool = False) -> dict:
    """A file's manifest entry; a table is hashed in canonical form where that changes it, and
    keeps its lines (as every file does with_text)."""
    data = hashed_bytes(path, "bytes")
    text = canonical(data.decode("utf-8", errors="surrogateescape")) if table else None
    form, data = ("bytes", data) if text is None else ("canonical", text.encode("utf-8", errors="surrogateescape"))
    lines = lines_of(data)
    entry = {"sha256": hashlib.sha256(data).hexdigest(), "form": form, "lines": len(lines), "line_digests": _line_digests(lines)}
    if table or with_text:
        entry["text"] = [line.decode("utf-8", errors="replace") for line in lines]
    return entry


# ----- what a results folder holds --------------------------------------------------------------
def study_dirs(results: Path) -> list[Path]:
    found = sorted(p for pattern in STUDY_DIRS for p in results.glob(pattern) if (p / "per_run.csv").is_file())
    if not found:
        raise ResultsError(f"{results}: holds no study (expected metrics/per_run.csv or variants/*/metrics/per_run.csv: "
                           "run the workflow first)")
    return found


def _csv_rows(path: Path) -> list[dict]:
    try:
        with open(path, newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ResultsError(f"{path}: not a readable CSV file ({exc})") from None


def _column(path: Path, rows: list[dict], names: tuple[str, ...]) -> None:
    missing = [n for n in names if rows and n not in rows[0]]
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(missing)}")


def study_runs(metrics: Path) -> list[list]:
    """[agent, seed, run directory relative to the results folder] of every run in runs.csv."""
    path = metrics / "runs.csv"
    rows = _csv_rows(path)
    _column(path, rows, ("agent", "seed", "directory"))
    out = []
    for row in rows:
        key = run_key(row["directory"])
        if key is None:
            raise ResultsError(f"{path}: directory {row['directory']!r} is not a run directory of the layout runs/{{agent}}/{{hash}}/seed{{seed}}")
        out.append([row["agent"], int(row["seed"]), key])
    return sorted(out)


def per_run_rows(path: Path) -> dict:
    """per_run.csv without the timed columns: {"columns": [...], "rows": [[cell text, ...], ...]}."""
    rows = list(csv.reader(io.StringIO(hashed_bytes(path, "bytes").decode("utf-8", errors="replace"))))
    if not rows:
        raise ResultsError(f"{path}: empty; expected the per-run metrics table")
    keep = [i for i, c in enumerate(rows[0]) if c not in TIMED_COLUMNS]
    return {"columns": [rows[0][i] for i in keep], "rows": [[r[i] for i in keep] for r in rows[1:]]}


def verdicts(path: Path) -> dict[str, str]:
    rows = _csv_rows(path)
    _column(path, rows, ("claim", "verdict"))
    return {r["claim"]: r["verdict"] for r in rows}


def tables(results: Path, studies: list[Path]) -> list[Path]:
    return sorted({*(p for s in studies for p in s.glob("*.csv")), *(p for pattern in OTHER_TABLES for p in results.glob(pattern))})


def build_manifest(results: str | Path, with_text: bool = False) -> dict:
    """The reference manifest of a results folder (the module docstring lists what it holds);
    with_text, every run file keeps its lines too (a reference folder compared in memory)."""
    results = Path(results)
    if not results.is_dir():
        raise UsageError(f"RESULTS {results}: not a folder")
    studies, files, runs, found = {}, {}, set(), study_dirs(results)
    for metrics in found:
        members = study_runs(metrics)
        runs |= {key for _, _, key in members}
        studies[metrics.relative_to(results).as_posix()] = {"runs": members, "per_run": per_run_rows(metrics / "per_run.csv"),
                                                           "verdicts": verdicts(metrics / "claims.csv")}
    for key in sorted(runs):
        for name in RUN_CSVS:
            files[f"{key}/{name}"] = file_entry(results / key / name, table=False, with_text=with_text)
    for table in tables(results, found):
        files[table.relative_to(results).as_posix()] = file_entry(table, table=True)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "written_by": f"nasdqn {__version__}", "hash": "sha256",
            "canonical_form": CANONICAL_FORM, "files": files, "studies": studies,
            "provenance": {key: read_record(results / key / "run.json")[1] for key in sorted(runs)}}


def write_manifest(results: str | Path, out: str | Path) -> dict:
    manifest = build_manifest(results)
    write_json(out, manifest)
    return manifest


def reference_for(config: str | Path) -> Path:
    """The published reference of a study's config: references/ plus the config's path under
    config/, as .json (config/config.yaml -> references/config.json, config/tasks/cartpole.yaml
    -> references/tasks/cartpole.json)."""
    parts = Path(config).parts
    under = [i for i, part in enumerate(parts[:-1]) if part == "config"]
    rel = Path(*parts[under[-1] + 1:]) if under else Path(parts[-1])
    return REFERENCES / rel.with_suffix(".json")


# ----- reading a reference ----------------------------------------------------------------------
_TEXT_LIST = {"type": "array", "items": {"type": "string"}}
MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["format", "format_version", "files", "studies", "provenance"],
    "properties": {
        "files": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["sha256", "form", "lines", "line_digests"],
            "properties": {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "form": {"enum": ["bytes", "canonical"]},
                           "lines": {"type": "integer", "minimum": 0}, "line_digests": {"type": "string"}, "text": _TEXT_LIST}}},
        "studies": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["runs", "per_run", "verdicts"],
            "properties": {"runs": {"type": "array", "items": {"type": "array", "minItems": 3, "maxItems": 3}},
                           "per_run": {"type": "object", "required": ["columns", "rows"],
                                       "properties": {"columns": _TEXT_LIST, "rows": {"type": "array", "items": _TEXT_LIST}}},
                           "verdicts": {"type": "object", "additionalProperties": {"type": "string"}}}}},
        "provenance": {"type": "object"},
    },
}
PER_RUN_NEEDED = ("agent", "seed", "final_performance", "stability", "peak", "episodes_to_threshold", "threshold_reached")


def load_manifest(path: str | Path) -> dict:
    """A reference manifest, checked against its format; ManifestError names the file and what was expected."""
    import jsonschema

    path = Path(path)
    what = f"a nasdqn reference manifest (JSON with \"format\": \"{FORMAT}\", written by `python -m nasdqn manifest`)"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"{path}: missing; expected {what}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc}); expected {what}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(f"{path}: not {what}")
    if data.get("format_version") != FORMAT_VERSION:
        raise ManifestError(f"{path}: format_version {data.get('format_version')!r}; this nasdqn reads format_version {FORMAT_VERSION}")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(MANIFEST_SCHEMA).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ManifestError(f"{path}: at {where}: {error.message}; expected {what}, format_version {FORMAT_VERSION}")
    _check_entries(path, data)
    return data


def _check_entries(path: Path, data: dict) -> None:
    """What the schema cannot say: each file's line digests and text match its line count, each
    study's per-run table has the columns verify tests."""
    for rel, entry in data["files"].items():
        try:
            digests = base64.b64decode(entry["line_digests"], validate=True)
        except ValueError:
            digests = None
        text_lines = len(entry.get("text", [None] * entry["lines"]))
        if digests is None or len(digests) != LINE_DIGEST_BYTES * entry["lines"] or text_lines != entry["lines"]:
            raise ManifestError(f"{path}: files/{rel}: line_digests or text do not match its {entry['lines']} lines")
    for name, study in data["studies"].items():
        missing = [c for c in PER_RUN_NEEDED if c not in study["per_run"]["columns"]]
        if missing:
            raise ManifestError(f"{path}: studies/{name}/per_run lacks column(s) {', '.join(missing)}")
