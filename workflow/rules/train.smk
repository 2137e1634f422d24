if SEEDS_PER_JOB == 1:

    rule train:
        """One training job: one agent, one seed (protocol.seeds_per_job = 1)."""
        input:
            code=CORE_CODE,
        output:
            episodes=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/episodes.csv",
            architectures=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/architectures.csv",
            evaluations=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/evaluations.csv",
            run=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/run.json",
            policy=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/policy.pt",
            window_policies=directory(f"{RUNS_DIR}/{{agent}}/seed{{seed}}/window_policies"),
        log:
            "results/logs/train/{agent}/seed{seed}.log",
        benchmark:
            "results/benchmarks/train/{agent}/seed{seed}.tsv"
        conda:
            "../../envs/nasdqn.yaml"
        resources:
            runtime=train_runtime_minutes,
        params:
            settings=agent_settings,
            progress_every=config["protocol"]["progress_every"],
            checkpoint_every=config["protocol"]["checkpoint_every"],
            out=subpath(output.run, parent=True),
        shell:
            "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {wildcards.agent}"
            " --seed {wildcards.seed} --out {params.out} --progress-every {params.progress_every}"
            " --checkpoint-every {params.checkpoint_every} --stale-checkpoint discard > {log} 2>&1"

else:

    rule train_batch:
        """One training process for several seeds of one agent (protocol.seeds_per_job > 1):
        stacked weights and batched matmuls, bit-for-bit the same runs as one job per seed.
        """
        input:
            code=CORE_CODE,
        output:
            directory("results/batches/{agent}/seeds{batch}"),
        log:
            "results/logs/train/{agent}/seeds{batch}.log",
        benchmark:
            "results/benchmarks/train/{agent}/seeds{batch}.tsv"
        conda:
            "../../envs/nasdqn.yaml"
        resources:
            mem_mb=batch_mem_mb,
            runtime=batch_runtime_minutes,
        params:
            settings=agent_settings,
            seeds=lambda wildcards: " ".join(
                f"--seed {s}" for s in wildcards.batch.split("-")
            ),
            progress_every=config["protocol"]["progress_every"],
            checkpoint_every=config["protocol"]["checkpoint_every"],
            checkpoint_dir="results/checkpoints/{agent}/seeds{batch}",
        shell:
            "PYTHONPATH=. python -m nasdqn train --config-json {params.settings:q} --agent {wildcards.agent}"
            " {params.seeds} --out {output}/seed{{seed}} --progress-every {params.progress_every}"
            " --checkpoint-every {params.checkpoint_every} --checkpoint-dir {params.checkpoint_dir}"
            " --stale-checkpoint discard > {log} 2>&1"

    rule collect_run:
        """Copy one seed's files out of its batch, to the same place a per-seed job writes them."""
        input:
            batch=batch_dir_of_seed,
        output:
            episodes=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/episodes.csv",
            architectures=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/architectures.csv",
            evaluations=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/evaluations.csv",
            run=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/run.json",
            policy=f"{RUNS_DIR}/{{agent}}/seed{{seed}}/policy.pt",
            window_policies=directory(f"{RUNS_DIR}/{{agent}}/seed{{seed}}/window_policies"),
        log:
            "results/logs/collect/{agent}/seed{seed}.log",
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
