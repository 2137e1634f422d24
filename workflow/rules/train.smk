RUN_OUT = run_dir("{run}", "{seed}")


rule train:
    """One run: an agent with its resolved settings, on one seed. With protocol.runs_per_job > 1
    the first job of a training group trains every run of the group in one process (stacked
    networks, one array of environments) and each job copies its own run out: byte-identical files.
    """
    input:
        code=CODE["train"],
        group_leader=group_leader,
    output:
        episodes=f"{RUN_OUT}/episodes.csv",
        architectures=f"{RUN_OUT}/architectures.csv",
        evaluations=f"{RUN_OUT}/evaluations.csv",
        run=f"{RUN_OUT}/run.json",
        policy=f"{RUN_OUT}/policy.pt",
        window_policies=directory(f"{RUN_OUT}/window_policies"),
    log:
        "results/logs/train/{run}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{run}/seed{seed}.tsv"
    conda:
        "../envs/nasdqn.yaml"
    resources:
        runtime=train_runtime_minutes,
    params:
        settings=run_settings,
        agent=run_agent,
        group_plan=GROUP_PLAN,
        progress_every=config["protocol"]["progress_every"],
        checkpoint_every=config["protocol"]["checkpoint_every"],
        out=subpath(output.run, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {params.agent}"
        " --seed {wildcards.seed} --out {params.out} --group-plan {params.group_plan}"
        " --progress-every {params.progress_every} --checkpoint-every {params.checkpoint_every}"
        " --stale-checkpoint discard > {log} 2>&1"
