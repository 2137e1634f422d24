"""The provenance section of REPORT.md: what made a study's runs, and a warning when its runs
were not all made alike (other commits, dirty trees, other package versions, other CPUs or
kernel paths), since any of these can move a number (docs/performance.md).

It reads the "provenance" record that training writes into each run.json
(nasdqn/jobs/provenance.py); a run.json written before that record existed contributes its
"versions" only.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

# the record's sections, in the order the report lists them
SECTIONS = ("code", "versions", "math_libraries", "cpu", "kernels", "environment", "threads")
# how many runs are named beside a value that not every run shares
NAMED_RUNS = 4


def flatten(record: dict | None) -> dict[str, str]:
    """One entry per field of a provenance record, "section.field" -> its value as text."""
    out: dict[str, str] = {}
    for section in SECTIONS:
        value = (record or {}).get(section)
        if section == "environment":  # the variables that are set, as one field: unset ones are no field at all
            out["environment"] = ", ".join(f"{k}={v}" for k, v in sorted((value or {}).items())) or "none set"
        elif isinstance(value, dict):
            for key, sub in value.items():
                out[f"{section}.{key}"] = _text(sub)
    return out


def _text(value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in sorted(value.items())) or "none"
    return str(value)


def read_record(path: Path) -> tuple[str, dict | None]:
    """(the run's name, its provenance record) from one run.json; an old run.json gives its
    "versions" only, an unreadable one None."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return str(path), None
    name = f"{data.get('agent', '?')} seed {data.get('seed', '?')}"
    if isinstance(data.get("provenance"), dict):
        return name, data["provenance"]
    return name, {"versions": data["versions"]} if isinstance(data.get("versions"), dict) else None


def field_values(records: list[tuple[str, dict | None]]) -> dict[str, Counter]:
    """field -> Counter of value -> runs; a field a run does not record counts as "not recorded"."""
    flat = [flatten(r) for _, r in records]
    fields = list(dict.fromkeys(f for one in flat for f in one))
    return {f: Counter(one.get(f, "not recorded") for one in flat) for f in fields}


def disagreements(values: dict[str, Counter]) -> list[str]:
    """The fields on which the runs do not all agree."""
    return [f for f, counts in values.items() if len(counts) > 1]


def _who(value: str, field: str, records: list[tuple[str, dict | None]]) -> str:
    names = [name for name, r in records if flatten(r).get(field, "not recorded") == value]
    shown = ", ".join(names[:NAMED_RUNS]) + (", ..." if len(names) > NAMED_RUNS else "")
    return f"{len(names)}: {shown}"


def warnings(records: list[tuple[str, dict | None]], values: dict[str, Counter]) -> list[str]:
    lines = []
    differ = disagreements(values)
    if differ:
        lines.append(f"**WARNING: the runs of this study were not all made alike**: they differ in {', '.join(differ)} "
                     "(rows below). Runs that differ in any of these can differ in their numbers for that reason alone.")
    dirty = sum(1 for _, r in records if ((r or {}).get("code") or {}).get("dirty") is True)
    if dirty:
        lines.append(f"**WARNING: {dirty} of {len(records)} runs were trained from a dirty tree** (uncommitted changes): "
                     "their commit does not say which code made them.")
    missing = sum(1 for _, r in records if r is None or "code" not in r)
    if missing:
        lines.append(f"**WARNING: {missing} of {len(records)} runs carry no provenance record** (run.json unreadable, or "
                     "written before nasdqn recorded one): what made them is not known.")
    return lines


def provenance_section(run_json_paths: list[Path]) -> list[str]:
    """Markdown lines for REPORT.md: the provenance of the study's runs, one row per field and
    value, warnings first where the runs disagree or a tree was dirty."""
    records = [read_record(p) for p in run_json_paths]
    values = field_values(records)
    lines = ["## Provenance", "",
             f"What made the study's {len(records)} runs, from their run.json files (`provenance`): the code, the package "
             "versions and math libraries, the CPU, the kernel paths the libraries chose on it, and the threads.", ""]
    found = warnings(records, values)
    if found:
        lines += [*found, ""]
    lines += ["| field | value | runs |", "|---|---|---|"]
    for field, counts in values.items():
        for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            runs = f"all {n}" if len(counts) == 1 else _who(value, field, records)
            lines.append(f"| {field} | {value.replace('|', '/')} | {runs} |")
    return lines + [""]
