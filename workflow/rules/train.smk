rule train:
    """One training job: one agent, one seed (protocol.seeds_per_job = 1)."""
    input:
        code=CORE_CODE,
    output:
        episodes="results/runs/{agent}/seed{seed}/episodes.csv",
        architectures="results/runs/{agent}/seed{seed}/architectures.csv",
        run="results/runs/{agent}/seed{seed}/run.json",
    params:
        settings=agent_settings,
        progress_every=config["protocol"]["progress_every"],
        checkpoint_every=config["protocol"]["checkpoint_every"],
        out=subpath(output.run, parent=True),
    log:
        "results/logs/train/{agent}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{agent}/seed{seed}.tsv"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=train_runtime_minutes,
    conda:
        "../../envs/nasdqn.yaml"
    shell:
        "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {wildcards.agent}"
        " --seed {wildcards.seed} --out {params.out} --progress-every {params.progress_every}"
        " --checkpoint-every {params.checkpoint_every} --stale-checkpoint discard > {log} 2>&1"
