rule floor:
    """The task's sanity floor: what the uniform-random and each constant-action policy return on
    every seed's evaluation episodes (the runs' greedy evaluation start states)."""
    output:
        "{root}/metrics/floor.csv",
    log:
        "{root}/logs/floor.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["floor"],
        analysis=analysis_json,
    shell:
        "PYTHONPATH=. python -m nasdqn floor --analysis-json {params.analysis:q} --out {output} > {log} 2>&1"
