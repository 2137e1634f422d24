# The figures each results root draws, as declared (plain data) in nasdqn/settings/figures.py and
# read at parse time (STUDY.figures): the oracle's only in a study with protocol.oracle.


rule figure_architectures:
    """Figure 2: the configured fixed architectures (needs no runs)."""
    output:
        png=report(
            "{root}/figures/fig2_architectures.png",
            caption="../report/figure_architectures.rst",
            category="Figures",
        ),
        pdf="{root}/figures/fig2_architectures.pdf",
    log:
        "{root}/logs/figures/fig2_architectures.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["figure"],
        analysis=analysis_json,
        out_dir=subpath(output.png, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name fig2_architectures"
        " --out-dir {params.out_dir} > {log} 2>&1"


rule figure:
    """One of the figures drawn after aggregation (the forest plot of every claim, IQM learning
    curves, paper Figures 3-7, Kaplan-Meier, performance profile, the oracle), as PNG and PDF.
    The forest plot opens the HTML report (its category sorts first)."""
    input:
        tables=rules.aggregate.output,
        runs=run_files,
    output:
        png=report(
            "{root}/figures/{figure}.png",
            caption="../report/figure.rst",
            category=lambda wildcards: (
                "1. Claims at a glance" if wildcards.figure == "forest" else "Figures"
            ),
        ),
        pdf="{root}/figures/{figure}.pdf",
    log:
        "{root}/logs/figures/{figure}.log",
    wildcard_constraints:
        figure="|".join(STUDY.figures_from_runs),
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["figure"],
        analysis=analysis_json,
        run_dirs=run_dirs_json,
        out_dir=subpath(output.png, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name {wildcards.figure}"
        " --per-run {input.tables[0]} --run-dirs {params.run_dirs:q} --out-dir {params.out_dir} > {log} 2>&1"


rule figure_search:
    """One agent's architecture search, seed by seed: the rolling return coloured by the
    architecture in use, transitions marked."""
    input:
        tables=rules.aggregate.output,
        runs=agent_run_files,
    output:
        png=report(
            "{root}/figures/search_{agent}.png",
            caption="../report/figure_search.rst",
            category="Architecture search",
        ),
        pdf="{root}/figures/search_{agent}.pdf",
    log:
        "{root}/logs/figures/search_{agent}.log",
    wildcard_constraints:
        agent="|".join(STUDY.searchers) or "(?!)",
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["figure"],
        analysis=analysis_json,
        run_dirs=run_dirs_json,
        out_dir=subpath(output.png, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name search_{wildcards.agent}"
        " --per-run {input.tables[0]} --run-dirs {params.run_dirs:q} --out-dir {params.out_dir} > {log} 2>&1"


rule render_gif:
    """The final policy of an agent's first seed, greedily, as a GIF of the pendulum."""
    input:
        policy=first_policy,
    output:
        report(
            "{root}/gifs/{agent}.gif", caption="../report/gif.rst", category="Policies"
        ),
    log:
        "{root}/logs/gifs/{agent}.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        code=CODE["render"],
    shell:
        "PYTHONPATH=. python -m nasdqn render --policy {input.policy} --out {output} > {log} 2>&1"
