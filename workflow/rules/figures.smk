rule figure_architectures:
    """Figure 2: the configured fixed architectures (needs no runs)."""
    input:
        code=FIGURE_CODE,
    output:
        png=report(
            f"{FIGURES_DIR}/fig2_architectures.png",
            caption="../report/figure_architectures.rst",
            category="Figures",
        ),
        pdf=f"{FIGURES_DIR}/fig2_architectures.pdf",
    log:
        "results/logs/figures/fig2_architectures.log",
    conda:
        "../../envs/nasdqn.yaml"
    params:
        analysis=ANALYSIS_JSON,
        out_dir=subpath(output.png, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name fig2_architectures"
        " --out-dir {params.out_dir} > {log} 2>&1"


rule figure:
    """One of the figures drawn from the runs (paper Figures 3-7, Kaplan-Meier, performance
    profile), as PNG and PDF."""
    input:
        per_run=rules.aggregate.output.per_run,
        runs=expand(
            f"{RUNS_DIR}/{{agent}}/seed{{seed}}/{{file}}",
            agent=AGENTS,
            seed=SEEDS,
            file=RUN_FILES,
        ),
        code=FIGURE_CODE,
    output:
        png=report(
            f"{FIGURES_DIR}/{{figure}}.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
        pdf=f"{FIGURES_DIR}/{{figure}}.pdf",
    log:
        "results/logs/figures/{figure}.log",
    wildcard_constraints:
        figure="|".join(RUN_FIGURES),
    conda:
        "../../envs/nasdqn.yaml"
    params:
        analysis=ANALYSIS_JSON,
        runs=lambda wildcards, input: Path(input.runs[0]).parents[2],  # results/runs
        out_dir=subpath(output.png, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name {wildcards.figure}"
        " --per-run {input.per_run} --runs {params.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule figure_search:
    """One agent's architecture search, seed by seed: the rolling return coloured by the
    architecture in use, transitions marked."""
    input:
        per_run=rules.aggregate.output.per_run,
        runs=lambda wildcards: expand(
            f"{RUNS_DIR}/{wildcards.agent}/seed{{seed}}/{{file}}",
            seed=SEEDS,
            file=RUN_FILES,
        ),
        code=FIGURE_CODE,
    output:
        png=report(
            f"{FIGURES_DIR}/search_{{agent}}.png",
            caption="../report/figure_search.rst",
            category="Architecture search",
        ),
        pdf=f"{FIGURES_DIR}/search_{{agent}}.pdf",
    log:
        "results/logs/figures/search_{agent}.log",
    wildcard_constraints:
        agent="|".join(SEARCHERS) or "(?!)",
    conda:
        "../../envs/nasdqn.yaml"
    params:
        analysis=ANALYSIS_JSON,
        runs=lambda wildcards, input: Path(input.runs[0]).parents[2],  # results/runs
        out_dir=subpath(output.png, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn figure --analysis-json {params.analysis:q} --name search_{wildcards.agent}"
        " --per-run {input.per_run} --runs {params.runs} --out-dir {params.out_dir} > {log} 2>&1"


rule render_gif:
    """The final policy of an agent's first seed, greedily, as a GIF of the pendulum."""
    input:
        policy=f"{RUNS_DIR}/{{agent}}/seed{SEEDS[0]}/policy.pt",
        code=["nasdqn/render.py", "nasdqn/evaluate.py", "nasdqn/policy.py"],
    output:
        report(
            f"{GIFS_DIR}/{{agent}}.gif",
            caption="../report/gif.rst",
            category="Policies",
        ),
    log:
        "results/logs/gifs/{agent}.log",
    conda:
        "../../envs/nasdqn.yaml"
    shell:
        "PYTHONPATH=. python -m nasdqn render --policy {input.policy} --out {output} > {log} 2>&1"
