# The paper's agents get a GIF each; the oracle's 27 architectures do not (STUDY.gif_agents).


rule report:
    """REPORT.md: the forest plot and a verdict on each claim, which agents learned, the oracle,
    every comparison, tables, figures and provenance."""
    input:
        tables=rules.aggregate.output,
        figures=expand("{{root}}/figures/{figure}.png", figure=STUDY.figures),
        search=expand("{{root}}/figures/search_{agent}.png", agent=STUDY.searchers),
        gifs=expand("{{root}}/gifs/{agent}.gif", agent=STUDY.gif_agents),
    output:
        report("{root}/REPORT.md", caption="../report/report.rst", category="Report"),
    log:
        "{root}/logs/report.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["report"],
        analysis=analysis_json,
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
