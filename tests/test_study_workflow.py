"""The study as the workflow sees it (nasdqn/settings/workflow.py): the runs still to train, as
the main process and a job's own parse see them, and runs finished in a training group's staging
directory that no job copied out."""
from __future__ import annotations

import copy
import json

from conftest import SMOKE
from nasdqn.settings.config import validate
from nasdqn.settings.deps import code_digest
from nasdqn.settings.plan import group_plan
from nasdqn.settings.workflow import TRAINING, StudyWorkflow

CFG = validate({**copy.deepcopy(SMOKE), "protocol": {**SMOKE["protocol"], "runs_per_job": 4}})


def asks(study: StudyWorkflow) -> dict:
    """Each training job's inputs and request, as this parse plans them."""
    return {(r.run_id, r.seed): (study.group_inputs(r.run_id, r.seed), study.train_runtime(r.run_id, r.seed))
            for r in study.plan.unique_runs()}


def finish(root, run_dir, run) -> None:
    """A finished run.json of today's training code (its digest as parsing at `root` computes it)."""
    (root / run_dir).mkdir(parents=True)
    (root / run_dir / "run.json").write_text(json.dumps({"fingerprint": run.fingerprint, "code": {"train": code_digest("train", root)}}))


def test_a_jobs_own_parse_reads_the_groups_the_main_process_wrote(tmp_path):
    """A SLURM job's Snakemake parses the workflow again while other runs finish. Recomputing the
    runs still to train there regroups them: a follower then names another run's training as its
    input and trains it inside its own job (the cluster test saw this). Reading them from the
    groups file gives the main process's inputs and requests, whatever finished since."""
    main = StudyWorkflow(CFG, str(tmp_path))  # nothing trained yet: the main process's parse
    planned = asks(main)
    (tmp_path / main.group_file).parent.mkdir(parents=True)
    (tmp_path / main.group_file).write_text(json.dumps(group_plan(main.groups)))  # the rule training_groups
    first = main.groups[0][0]  # then the first group's first job trains its run
    finish(tmp_path, first.dir, first)
    recomputed = StudyWorkflow(CFG, str(tmp_path))
    assert recomputed.pending == main.pending - {str(first.dir)} and asks(recomputed) != planned  # the groups moved
    job = StudyWorkflow(CFG, str(tmp_path), pending_from_groups_file=True)  # a job's own parse
    assert job.pending == main.pending and asks(job) == planned


def test_a_run_finished_in_staging_is_not_grouped_again(tmp_path):
    """The workflow killed after a group's first job trained the group and before the others
    copied their runs out: the next parse leaves those runs out of the groups (their own jobs move
    them into place: trainjob.adopt_staged), and a copy of other training code is still to train."""
    main = StudyWorkflow(CFG, str(tmp_path))
    group = main.groups[0]
    for k, run in enumerate(group):
        finish(tmp_path, f"{TRAINING}/g/{k}", run)
    after = StudyWorkflow(CFG, str(tmp_path))
    assert after.pending == main.pending - {str(r.dir) for r in group}
    assert all(after.group_inputs(r.run_id, r.seed) == [] for r in group)  # each trains (moves) alone
    (tmp_path / TRAINING / "g/1/run.json").write_text(json.dumps({"fingerprint": group[1].fingerprint, "code": {"train": "older"}}))
    (tmp_path / TRAINING / "g/2/run.json").write_text("{half written")
    again = StudyWorkflow(CFG, str(tmp_path))
    assert again.pending == after.pending | {str(group[1].dir), str(group[2].dir)}
