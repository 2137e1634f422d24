RUN_OUT = run_dir("{run}", "{seed}")


rule training_groups:
    """Which runs still to train share a process (protocol.runs_per_job): every run is its own job,
    and the first job of a group trains the whole group (docs/performance.md). Only a run still
    to train reads this file, so regrouping never reruns a finished run."""
    output:
        STUDY.group_file,
    log:
        f"{STUDY.study_root}/logs/training_groups.log",
    conda:
        "../envs/nasdqn.yaml"
    params:
        config=STUDY.config_json,
        expect=STUDY.groups_digest,
    shell:
        "PYTHONPATH=. python -m nasdqn groups --config-json {params.config:q} --expect {params.expect}"
        " --out {output} > {log} 2>&1"


rule train:
    """One run: an agent with its resolved settings, on one seed. With protocol.runs_per_job > 1
    the first job of a training group trains every run of the group in one process (stacked
    networks, one array of environments) and each job copies its own run out: byte-identical files.
    """
    input:
        group=group_inputs,
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
        runtime=train_runtime,
    params:
        code=CODE["train"],
        settings=run_settings,
        agent=run_agent,
        group_plan=STUDY.group_file,
        progress_every=config["protocol"]["progress_every"],
        checkpoint_every=config["protocol"]["checkpoint_every"],
        out=subpath(output.run, parent=True),
    shell:
        "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {params.agent}"
        " --seed {wildcards.seed} --out {params.out} --group-plan {params.group_plan}"
        " --progress-every {params.progress_every} --checkpoint-every {params.checkpoint_every}"
        " --stale-checkpoint discard > {log} 2>&1"
