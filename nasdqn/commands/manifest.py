"""`manifest`: the reference manifest of a results folder (what `verify` compares a reproduction with)."""
from __future__ import annotations

import argparse

HELP = "write the reference manifest of a results folder (SHA-256 of its run files and tables, per-run metrics, verdicts, provenance)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", metavar="RESULTS", help="the results folder (results/ of the workflow)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--out", help="the manifest file to write (JSON)")
    out.add_argument("--config", help="write it where `verify --config` looks for the reference of this study config "
                     "(config/config.yaml -> references/config.json)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.outputs.manifest import reference_for, write_manifest

    out = args.out or reference_for(args.config)
    manifest = write_manifest(args.results, out)
    print(f"{out}: manifest of {args.results}: {len(manifest['files'])} files, {len(manifest['provenance'])} runs, "
          f"{len(manifest['studies'])} studies ({', '.join(manifest['studies'])})")
    return 0
