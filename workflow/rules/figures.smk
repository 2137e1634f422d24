rule figure:
    """One of the paper's Figures 2-7, as PNG and PDF."""
    input:
        data=figure_inputs,
        code=FIGURE_CODE,
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
        pdf="results/figures/{figure}.pdf",
    params:
        analysis=ANALYSIS_JSON,
        out_dir=subpath(output.png, parent=True),
    wildcard_constraints:
        figure="|".join(FIGURE_NAMES),
    log:
        "results/logs/figures/{figure}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../../envs/nasdqn.yaml"
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name {wildcards.figure}"
        " --per-run results/metrics/per_run.csv --runs results/runs --out-dir {params.out_dir} > {log} 2>&1"
