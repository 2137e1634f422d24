RUN_OUT = "results/runs/{run}/seed{seed}"

if SEEDS_PER_JOB == 1:

    rule train:
        """One training job: one run (an agent with its resolved settings) on one seed."""
        input:
            code=CORE_CODE,
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
            "../../envs/nasdqn.yaml"
        resources:
            runtime=train_runtime_minutes,
        params:
            settings=run_settings,
            agent=run_agent,
            progress_every=config["protocol"]["progress_every"],
            checkpoint_every=config["protocol"]["checkpoint_every"],
            out=subpath(output.run, parent=True),
        shell:
            "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {params.agent}"
            " --seed {wildcards.seed} --out {params.out} --progress-every {params.progress_every}"
            " --checkpoint-every {params.checkpoint_every} --stale-checkpoint discard > {log} 2>&1"

else:

    rule train_batch:
        """One training process for several seeds of one run (protocol.seeds_per_job > 1):
        stacked weights and batched matmuls, bit-for-bit the same runs as one job per seed.
        """
        input:
            code=CORE_CODE,
        output:
            directory("results/batches/{run}/seeds{batch}"),
        log:
            "results/logs/train/{run}/seeds{batch}.log",
        benchmark:
            "results/benchmarks/train/{run}/seeds{batch}.tsv"
        conda:
            "../../envs/nasdqn.yaml"
        resources:
            mem_mb=batch_mem_mb,
            runtime=batch_runtime_minutes,
        params:
            settings=run_settings,
            agent=run_agent,
            seeds=lambda wildcards: " ".join(
                f"--seed {s}" for s in wildcards.batch.split("-")
            ),
            progress_every=config["protocol"]["progress_every"],
            checkpoint_every=config["protocol"]["checkpoint_every"],
            checkpoint_dir="results/checkpoints/{run}/seeds{batch}",
        shell:
            "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {params.agent}"
            " {params.seeds} --out {output}/seed{{seed}} --progress-every {params.progress_every}"
            " --checkpoint-every {params.checkpoint_every} --checkpoint-dir {params.checkpoint_dir}"
            " --stale-checkpoint discard > {log} 2>&1"

    rule collect_run:
        """Copy one seed's files out of its batch, to the same place a per-seed job writes them."""
        input:
            batch=batch_dir_of_seed,
        output:
            episodes=f"{RUN_OUT}/episodes.csv",
            architectures=f"{RUN_OUT}/architectures.csv",
            evaluations=f"{RUN_OUT}/evaluations.csv",
            run=f"{RUN_OUT}/run.json",
            policy=f"{RUN_OUT}/policy.pt",
            window_policies=directory(f"{RUN_OUT}/window_policies"),
        log:
            "results/logs/collect/{run}/seed{seed}.log",
        localrule: True
        conda:
            "../../envs/nasdqn.yaml"
        params:
            run=lambda wildcards, input: f"{input.batch}/seed{wildcards.seed}",
        shell:
            "(cp -v {params.run}/episodes.csv {output.episodes}"
            " && cp -v {params.run}/architectures.csv {output.architectures}"
            " && cp -v {params.run}/evaluations.csv {output.evaluations}"
            " && cp -v {params.run}/run.json {output.run}"
            " && cp -v {params.run}/policy.pt {output.policy}"
            " && cp -rv {params.run}/window_policies {output.window_policies}) > {log} 2>&1"
