rule aggregate:
    """Per-run metrics, across-seed summaries, a verdict per claim of the paper and every
    comparison behind it, robust aggregates."""
    input:
        runs=expand(
            f"{RUNS_DIR}/{{agent}}/seed{{seed}}/{{file}}",
            agent=AGENTS,
            seed=SEEDS,
            file=RUN_FILES,
        ),
        code=AGGREGATE_CODE,
    output:
        per_run=report(
            f"{METRICS_DIR}/per_run.csv",
            caption="../report/per_run.rst",
            category="Tables",
        ),
        summary=report(
            f"{METRICS_DIR}/summary.csv",
            caption="../report/summary.rst",
            category="Tables",
        ),
        claims=report(
            f"{METRICS_DIR}/claims.csv",
            caption="../report/claims.rst",
            category="Tables",
        ),
        comparisons=report(
            f"{METRICS_DIR}/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Tables",
        ),
        robust=report(
            f"{METRICS_DIR}/robust.csv",
            caption="../report/robust.rst",
            category="Tables",
        ),
    log:
        "results/logs/aggregate.log",
    conda:
        "../../envs/nasdqn.yaml"
    params:
        analysis=ANALYSIS_JSON,
        runs=lambda wildcards, input: Path(input.runs[0]).parents[2],  # results/runs
        out_dir=subpath(output.per_run, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn aggregate --analysis-json {params.analysis:q} --runs {params.runs}"
        " --out-dir {params.out_dir} > {log} 2>&1"
