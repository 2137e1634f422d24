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
from nasdqn.settings.resources import FOLLOWER_MINUTES
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
    job = StudyWorkflow(CFG, str(tmp_path), in_job=True)  # a job's own parse
    assert job.pending == main.pending
    for (run_id, seed), (inputs, minutes) in asks(job).items():  # the main process's plan, less what does not exist yet
        assert minutes == planned[run_id, seed][1]
        assert inputs == [i for i in planned[run_id, seed][0] if (tmp_path / i).exists()]
    seen = asks(job)
    assert all(f"{first.dir}/run.json" in seen[r.run_id, r.seed][0] for r in main.groups[0][1:])  # the lead that exists


def test_a_jobs_own_parse_names_no_input_that_does_not_exist(tmp_path):
    """A groups file left by an earlier invocation (this one had nothing to train, so it wrote
    none), or none at all: a job's own parse never names a run that is not there as its input,
    which its Snakemake would train inside the job."""
    main = StudyWorkflow(CFG, str(tmp_path))
    stale = group_plan(main.groups)
    (tmp_path / main.group_file).parent.mkdir(parents=True)
    for content in (json.dumps(stale), "{half written", None):
        if content is None:
            (tmp_path / main.group_file).unlink()
        else:
            (tmp_path / main.group_file).write_text(content)
        job = StudyWorkflow(CFG, str(tmp_path), in_job=True)
        named = {i for inputs, _ in asks(job).values() for i in inputs}
        assert all((tmp_path / i).exists() for i in named)
    assert any(f"{g[0].dir}/run.json" in i for g in main.groups[:1] for inputs, _ in asks(main).values() for i in inputs)


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
    assert all(after.train_runtime(r.run_id, r.seed) == FOLLOWER_MINUTES for r in group)  # and asks for a copy's minutes
    (tmp_path / TRAINING / "g/1/run.json").write_text(json.dumps({"fingerprint": group[1].fingerprint, "code": {"train": "older"}}))
    (tmp_path / TRAINING / "g/2/run.json").write_text("{half written")
    again = StudyWorkflow(CFG, str(tmp_path))
    assert again.pending == after.pending | {str(group[1].dir), str(group[2].dir)}
