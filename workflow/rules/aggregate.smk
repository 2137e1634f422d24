rule aggregate:
    """Per-run metrics, across-seed summaries, a verdict per claim of the paper and every
    comparison behind it, robust aggregates (one set per results root)."""
    input:
        runs=run_files,
        code=CODE["aggregate"],
    output:
        per_run=report(
            "{root}/metrics/per_run.csv",
            caption="../report/per_run.rst",
            category="Tables",
        ),
        summary=report(
            "{root}/metrics/summary.csv",
            caption="../report/summary.rst",
            category="Tables",
        ),
        claims=report(
            "{root}/metrics/claims.csv",
            caption="../report/claims.rst",
            category="Tables",
        ),
        comparisons=report(
            "{root}/metrics/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Tables",
        ),
        robust=report(
            "{root}/metrics/robust.csv",
            caption="../report/robust.rst",
            category="Tables",
        ),
        runs="{root}/metrics/runs.csv",
    log:
        "{root}/logs/aggregate.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        analysis=analysis_json,
        run_dirs=run_dirs_json,
        out_dir=subpath(output.per_run, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn aggregate --analysis-json {params.analysis:q} --run-dirs {params.run_dirs:q}"
        " --out-dir {params.out_dir} > {log} 2>&1"
