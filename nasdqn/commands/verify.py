"""`verify`: compare a results folder with a published reference manifest, file by file, then
(where bytes differ) the per-run metrics statistically, and every claim's verdict. The answer
comes first (the result and the counts), then what differs or is missing; `--verbose` also lists
every equal file.

Exit status 0: every file equal, or only differences that are statistically consistent with the
reference and change no verdict; 1: a file is missing, a verdict changed or a metric is not
consistent (the report says which); 2: bad input (an unreadable or foreign reference, a results
folder that is not one).
"""
from __future__ import annotations

import argparse

HELP = "compare a results folder with a reference manifest (references/ by default); exit 1 when a verdict changed or a file is missing"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", metavar="RESULTS", help="the results folder of the reproduction (results/ of the workflow)")
    p.add_argument("--reference", help="the reference manifest (default: the published one of --config, under references/)")
    p.add_argument("--config", default="config/config.yaml",
                   help="the study's config, which picks the published reference: config/config.yaml -> references/config.json, "
                   "config/seeds10.yaml -> references/seeds10.json, config/tasks/cartpole.yaml -> references/tasks/cartpole.json "
                   "(default config/config.yaml)")
    p.add_argument("--json", help="also write the comparison as JSON to this file")
    p.add_argument("--verbose", action="store_true", help="also list every file that equals the reference (by default only the count)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.jobs.results import write_json
    from nasdqn.outputs.manifest import reference_for
    from nasdqn.outputs.verify import report_text, verify
    from nasdqn.settings.errors import UsageError

    reference = args.reference or reference_for(args.config)
    if not args.reference and not reference.is_file():
        raise UsageError(f"--config {args.config}: no published reference at {reference}; pass --reference FILE, or write one "
                         f"with `python -m nasdqn manifest RESULTS --config {args.config}`")
    result = verify(args.results, reference)
    print(report_text(result, args.verbose), end="")
    if args.json:
        write_json(args.json, result.as_json())
    return result.exit_code
