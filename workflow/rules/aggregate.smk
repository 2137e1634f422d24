rule aggregate:
    """Per-run metrics, across-seed summaries, a verdict per claim of the paper and every comparison behind it."""
    input:
        runs=expand("results/runs/{agent}/seed{seed}/{file}", agent=AGENTS, seed=SEEDS, file=RUN_FILES),
        code=AGGREGATE_CODE,
    output:
        per_run=report("results/metrics/per_run.csv", caption="../report/per_run.rst", category="Tables"),
        summary=report("results/metrics/summary.csv", caption="../report/summary.rst", category="Tables"),
        claims=report("results/metrics/claims.csv", caption="../report/claims.rst", category="Tables"),
        comparisons=report(
            "results/metrics/comparisons.csv", caption="../report/comparisons.rst", category="Tables"
        ),
        robust=report("results/metrics/robust.csv", caption="../report/robust.rst", category="Tables"),
    params:
        analysis=ANALYSIS_JSON,
        out_dir=subpath(output.per_run, parent=True),
    log:
        "results/logs/aggregate.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../../envs/nasdqn.yaml"
    shell:
        "PYTHONPATH=. python -m nasdqn aggregate --analysis-json {params.analysis:q} --runs results/runs"
        " --out-dir {params.out_dir} > {log} 2>&1"
