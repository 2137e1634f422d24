rule report:
    """REPORT.md: tables, figures and a verdict on each of the paper's claims."""
    input:
        tables=rules.aggregate.output,
        figures=expand("results/figures/{figure}.png", figure=FIGURE_NAMES),
        code=REPORT_CODE,
    output:
        report("results/REPORT.md", caption="../report/report.rst", category="Report"),
    params:
        analysis=ANALYSIS_JSON,
    log:
        "results/logs/report.log",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/nasdqn.yaml"
    shell:
        "PYTHONPATH=. python -m nasdqn report --analysis-json {params.analysis:q} --metrics-dir results/metrics"
        " --figure-dir figures --out {output} > {log} 2>&1"
