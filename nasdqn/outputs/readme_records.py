"""Generated blocks from the project's records outside studies/: on which CPUs the same bits were
checked (references/checks.csv, one row per reference made or reproduction verified, written by
whoever ran it; the reference manifests under references/), and what verify does with a claim
measured with a clock (nasdqn/outputs/manifest.py's TIMED_CLAIMS)."""
from __future__ import annotations

import json

import pandas as pd

from nasdqn.outputs.blocks import Context, block, md_table
from nasdqn.outputs.manifest import TIMED_CLAIMS

CHECKS = "references/checks.csv"


def _manifest_files(ctx: Context, reference: str) -> str:
    path = ctx.repo / reference
    return str(len(json.loads(path.read_text())["files"])) if path.is_file() else "(not in this checkout)"


def _row(ctx: Context, r: dict) -> list[str]:
    if r["check"] == "verify":
        result = (f"{r['files_equal']} of {r['files_compared']} files equal; {r['verdicts_changed']} of {r['verdicts_compared']} "
                  "verdicts changed (claims about a clock not counted)")
    else:
        result = f"made the reference ({_manifest_files(ctx, r['reference'])} files)"
    note = f"; {r['note']}" if r["note"] else ""
    return [r["date"], f"`{r['config']}`", f"{r['cpu']}, {r['cpu_id']}", r["how"], result + note]


@block("cpus")
def cpus(ctx: Context) -> str:
    """README: the CPUs a reference was made or verified on, and what a clock-measured claim may do."""
    checks = pd.read_csv(ctx.repo / CHECKS, dtype=str, keep_default_na=False)
    table = md_table(["date", "config", "CPU", "how", "result"], [_row(ctx, r) for r in checks.to_dict("records")])
    timed = ", ".join(f"`{c}`" for c in sorted(TIMED_CLAIMS))
    return "\n".join([
        f"Where the same bits were checked ([{CHECKS}]({ctx.link(CHECKS)}), one row per reference made or reproduction verified):", "",
        table, "",
        f"A claim about what a clock measures ({timed}: wall time and the search's share of it) may change from one run or machine "
        "to the next; `verify` reports such a change and does not count it, and a reference leaves the timed columns and rows out "
        "of its hashes."])
