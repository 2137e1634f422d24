rule report:
    """REPORT.md: a verdict on each claim of the paper, every comparison, tables and figures."""
    input:
        tables=rules.aggregate.output,
        figures=expand(f"{FIGURES_DIR}/{{figure}}.png", figure=FIGURE_NAMES),
        search=expand(f"{FIGURES_DIR}/search_{{agent}}.png", agent=SEARCHERS),
        gifs=expand(f"{GIFS_DIR}/{{agent}}.gif", agent=AGENTS),
        code=REPORT_CODE,
    output:
        report("results/REPORT.md", caption="../report/report.rst", category="Report"),
    log:
        "results/logs/report.log",
    conda:
        "../../envs/nasdqn.yaml"
    params:
        analysis=ANALYSIS_JSON,
        metrics_dir=lambda wildcards, input: Path(input.tables[0]).parent,
        figure_dir=lambda wildcards, input, output: os.path.relpath(
            Path(input.figures[0]).parent, Path(output[0]).parent
        ),
        gif_dir=lambda wildcards, input, output: os.path.relpath(
            Path(input.gifs[0]).parent, Path(output[0]).parent
        ),
    shell:
        "PYTHONPATH=. python -m nasdqn report --analysis-json {params.analysis:q} --metrics-dir {params.metrics_dir}"
        " --figure-dir {params.figure_dir} --gif-dir {params.gif_dir} --out {output} > {log} 2>&1"
