rule aggregate:
    """Per-run metrics, across-seed summaries, a verdict per claim of the paper and every
    comparison behind it, robust aggregates, success at the ceiling, the sanity floor per run,
    the oracle's tables and the agents' roles (one set per results root)."""
    input:
        runs=run_files,
        floor="{root}/metrics/floor.csv",
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
            category="1. Claims at a glance",
        ),
        comparisons=report(
            "{root}/metrics/comparisons.csv",
            caption="../report/comparisons.rst",
            category="1. Claims at a glance",
        ),
        robust=report(
            "{root}/metrics/robust.csv",
            caption="../report/robust.rst",
            category="Tables",
        ),
        ceiling=report(
            "{root}/metrics/ceiling.csv",
            caption="../report/ceiling.rst",
            category="Tables",
        ),
        floor_check=report(
            "{root}/metrics/floor_check.csv",
            caption="../report/floor_check.rst",
            category="Tables",
        ),
        oracle_ranking=report(
            "{root}/metrics/oracle_ranking.csv",
            caption="../report/oracle_ranking.rst",
            category="Oracle",
        ),
        oracle="{root}/metrics/oracle.csv",
        agents="{root}/metrics/agents.csv",
        runs="{root}/metrics/runs.csv",
    log:
        "{root}/logs/aggregate.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["aggregate"],
        analysis=analysis_json,
        run_dirs=run_dirs_json,
        out_dir=subpath(output.per_run, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn aggregate --analysis-json {params.analysis:q} --run-dirs {params.run_dirs:q}"
        " --floor {input.floor} --out-dir {params.out_dir} > {log} 2>&1"
