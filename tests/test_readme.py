"""README.md's and docs/*.md's numbers come from the committed tables under studies/: the
generated blocks are what `python -m nasdqn readme` writes from them (the check fails when a
table changes and the document does not), regeneration is idempotent, a study without committed
tables renders a placeholder with its command and no number, and no result-shaped number is
typed by hand outside the blocks of README.md and docs/results.md."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fake_study import aggregated_study

from conftest import REPO
from nasdqn.cli import main
from nasdqn.outputs import readme
from nasdqn.outputs.blocks import BLOCKS, Context
from nasdqn.outputs.fairtest import PER_RUN_COLUMNS
from nasdqn.outputs.studies import STUDIES
from nasdqn.outputs.typed_numbers import typed_numbers


def repo_copy(dest: Path, studies: bool = True) -> Path:
    for name in ("README.md", "docs", "references") + (("studies",) if studies else ()):
        src = REPO / name
        shutil.copytree(src, dest / name) if src.is_dir() else shutil.copy2(src, dest / name)
    (dest / "studies").mkdir(exist_ok=True)
    return dest


def test_the_documents_are_what_the_committed_tables_give():
    """The guard: README.md and docs/ are current, and README.md and docs/results.md type no result by hand."""
    assert main(["readme", "--check", "--repo", str(REPO)]) == 0


def test_a_changed_table_fails_the_check_until_readme_rewrites_the_block(tmp_path, capsys):
    repo = repo_copy(tmp_path)
    path = repo / "studies/mechanism/summary.csv"
    summary = pd.read_csv(path)
    summary.loc[(summary["reading"] == "reinit_continue") & (summary["role"] == "reference"), "mean"] += 10.0
    summary.to_csv(path, index=False)
    assert main(["readme", "--check", "--repo", str(repo)]) == 1
    assert "stale generated block: README.md: mechanism-table" in capsys.readouterr().err
    assert main(["readme", "--repo", str(repo)]) == 0
    once = {p: (repo / p).read_bytes() for p in readme.documents(repo)}
    assert main(["readme", "--check", "--repo", str(repo)]) == 0
    assert main(["readme", "--repo", str(repo)]) == 0
    assert {p: (repo / p).read_bytes() for p in readme.documents(repo)} == once, "regeneration is not idempotent"
    assert "-186.5 [" in (repo / "README.md").read_text() and "-196.5 [" not in (repo / "README.md").read_text()


def test_a_number_typed_by_hand_outside_a_block_fails_the_check(tmp_path, capsys):
    repo = repo_copy(tmp_path)
    with open(repo / "README.md", "a") as fh:
        fh.write("\nNAS-DQN ended at -196.5 [-276, -117] under the paper's reading.\n")
    assert main(["readme", "--check", "--repo", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "decimal number typed by hand: '-196.5'" in err and "interval typed by hand: '[-276, -117]'" in err


@pytest.mark.parametrize("typed", ["ends at -196.5 reward", "explains 0.76 of it", "p 0.045", "0.37x as fast", "76%", "[0.71, 0.80]",
                                   "[-276, -117]", "ends 91 below, at -99", "gains +66 reward", "57 of 57 files", "took 11 min 26 s",
                                   "28 minutes", "in 3 hours"])
def test_result_shaped_numbers_are_found(typed):
    found = typed_numbers("X.md", f"Some prose: {typed} here.\n", readme.BLOCK.pattern)
    assert found, f"not caught: {typed!r}"


@pytest.mark.parametrize("allowed", ["version 0.2.0", "v0.1.0", "torch 2.13.0", "Python 3.11", "`make reproduce CORES=1`",
                                     "`--set dqn.learning_rate=0.002`", "seeds 0-2 and Figures 2-7", "x86-64 with AVX-512",
                                     "family 6 model 167", "400,000 environment steps", "2026-12-05", "27 architectures",
                                     "[a link](docs/v1.5.md)", "\n<!-- generated: x -->\n-196.5 [1, 2]\n<!-- end generated -->\n"])
def test_settings_versions_code_and_generated_blocks_are_allowed(allowed):
    assert typed_numbers("X.md", f"Some prose: {allowed} here.\n", readme.BLOCK.pattern) == []


def test_the_line_of_a_typed_number_is_reported():
    (t,) = typed_numbers("X.md", "one\n\n```\n1.5\n```\nthree 2.5\n", readme.BLOCK.pattern)
    assert (t.line, t.kind, t.text) == (6, "decimal number", "2.5")


def test_every_registered_block_is_used_and_every_used_block_is_registered():
    used = {m[1] for doc in readme.documents(REPO) for m in readme.BLOCK.finditer((REPO / doc).read_text())}
    assert used == set(BLOCKS)


def test_unknown_blocks_and_broken_markers_are_errors(tmp_path, capsys):
    ctx = Context(tmp_path, "README.md")
    with pytest.raises(Exception, match="no generated block named 'nope'"):
        readme.regenerate("<!-- generated: nope -->\n<!-- end generated -->\n", ctx)
    with pytest.raises(Exception, match="1 block start"):
        readme.regenerate("<!-- generated: cpus -->\nno end\n", ctx)


def test_a_study_without_committed_tables_renders_its_command_and_no_number(tmp_path):
    repo = repo_copy(tmp_path, studies=False)
    for name, fn in BLOCKS.items():
        if name == "cpus":
            continue  # reads references/, not studies/
        text = fn(Context(repo, "README.md"))
        assert "Not committed yet" in text and any(s.produce in text for s in STUDIES.values()), name
        assert typed_numbers("X.md", text, readme.BLOCK.pattern) == [], name


# ----- the blocks of published studies, from a tiny study published like a real one ------------------
@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    study = aggregated_study(tmp_path_factory.mktemp("study"))
    (study / "results/figures").mkdir(exist_ok=True)
    (study / "results/figures/forest.png").write_bytes(b"\x89PNG")
    repo = repo_copy(tmp_path_factory.mktemp("repo"), studies=False)
    for name in ("paper", "seeds10"):
        assert main(["publish", "--config", str(study / "cfg.yaml"), "--results", str(study / "results"), "--out",
                     str(repo / "studies" / name)]) == 0
    return repo


def test_the_paper_blocks_quote_the_published_tables(published):
    claims = pd.read_csv(published / "studies/paper/metrics/claims.csv", keep_default_na=False)
    runs = pd.read_csv(published / "studies/paper/metrics/per_run.csv")
    table = BLOCKS["paper-claims"](Context(published, "docs/results.md"))
    for r in claims.to_dict("records"):
        assert f"| `{r['claim']}` |" in table and r["verdict"] in table
    nas = runs.loc[runs["agent"] == "nas_dqn", "final_performance"]
    short = BLOCKS["paper"](Context(published, "README.md"))
    assert f"NAS-DQN {nas.mean():.1f} [{nas.min():.1f}, {nas.max():.1f}]" in short
    assert f"of its {len(claims)} claims" in short and "a" * 7 in short and "Intel Xeon" in short
    assert "](studies/paper/figures/forest.png)" in short and "](../studies/paper/figures/forest.png)" in table
    medium = runs[runs["agent"] == "fixed_medium"].sort_values("seed")
    learn = BLOCKS["defaults-learn"](Context(published, "docs/assumptions.md"))
    assert " | ".join(f"{x:.2f}" for x in medium["final_performance"]) in learn
    assert "Not committed yet" in BLOCKS["tasks_acrobot-claims"](Context(published, "docs/results.md"))
    assert "Not committed yet" not in BLOCKS["seeds10-claims"](Context(published, "docs/results.md"))


def test_the_sensitivity_block_reads_the_matrix_and_each_variants_summary(published, tmp_path):
    repo = tmp_path
    shutil.copytree(published / "studies/paper", repo / "studies/sensitivity/variants/a")
    shutil.copytree(published / "studies/paper", repo / "studies/sensitivity/variants/b")
    shutil.copy2(published / "studies/paper/source.json", repo / "studies/sensitivity/source.json")
    (repo / "studies/sensitivity/sensitivity").mkdir()
    (repo / "studies/sensitivity/sensitivity/matrix.csv").write_text(
        "claim,family,variant,verdict\nx,primary,a,supported\ny,primary,a,inconclusive\nx,primary,b,contradicted\ny,primary,b,contradicted\n")
    text = BLOCKS["sensitivity"](Context(repo, "docs/results.md"))
    summary = pd.read_csv(repo / "studies/sensitivity/variants/a/metrics/summary.csv")
    nas = summary[(summary["agent"] == "nas_dqn") & (summary["metric"] == "final_performance")].iloc[0]
    assert re.search(r"\| `a` \| " + re.escape(f"{nas['mean']:.1f} [") + r".*\| 1 / 0 / 1 / 0 / 0 \|", text)
    assert "| `b` |" in text and "| 0 / 2 / 0 / 0 / 0 |" in text


def test_the_fairtest_blocks_read_the_contrasts(tmp_path):
    folder = tmp_path / "studies/fairtest"
    folder.mkdir(parents=True)
    rows = [["acrobot", "primary", "NAS-DQN - yoked", "mean over readings", 12, -200.0, -190.0, -10.0, 0.025, -40.5, 20.5, 25.0, 0.7, 0.01,
             "contradicted", "below the margin"],
            ["acrobot", "secondary", "Random-NAS - yoked", "mean over readings", 12, -250.0, -190.0, -60.0, 0.01, -90.0, -30.0, 25.0, 0.99,
             0.2, "inconclusive", "undetermined"]]
    from nasdqn.analysis.fairtest import CONTRAST_COLUMNS

    pd.DataFrame(rows, columns=CONTRAST_COLUMNS).to_csv(folder / "contrasts.csv", index=False)
    pd.DataFrame(columns=PER_RUN_COLUMNS).to_csv(folder / "per_run.csv", index=False)
    short = BLOCKS["fairtest"](Context(tmp_path, "README.md"))
    assert "NAS-DQN - yoked (mean over readings, 12 seeds, seed-paired): -10.0 [-40.5, 20.5]" in short and "**contradicted**" in short
    assert "Random-NAS - yoked" not in short
    full = BLOCKS["fairtest-contrasts"](Context(tmp_path, "docs/results.md"))
    assert "Random-NAS - yoked" in full and "-60.0 [-90, -30]" in full


def test_the_reread_block_says_what_its_runs_would_add_until_their_tables_are_committed(tmp_path):
    repo = repo_copy(tmp_path)
    folder = repo / "studies/mechanism/reread"
    for name in ("ranking_by_budget.csv", "switch_cost.csv", "curves.csv"):  # as before the runs were read
        (folder / name).unlink(missing_ok=True)
    text = BLOCKS["mechanism-reread"](Context(repo, "README.md"))
    assert "Not committed yet: the switch-cost curve" in text and "python -m nasdqn reread --results results" in text
    pd.DataFrame({"step": [10000, 20000, 50000], "architectures": [27, 27, 27], "spearman": [0.41, 0.6, 0.875],
                  "p": [0.03, 0.001, 1e-9]}).to_csv(folder / "ranking_by_budget.csv", index=False)
    from nasdqn.analysis.switching import FIXED

    ages = [(k * 2000, (k + 1) * 2000) for k in range(10)]  # bins of a fifth of a 10,000-step window
    searching = [-420.0, -250.0, -200.0, -170.0, -140.0, -120.0, -110.0, -100.0, -95.0, None]  # no run reaches 18000-20000
    fixed = [-480.0, -300.0, -250.0, None, -150.0, -130.0, -120.0, -115.0, -110.0, -105.0]  # none in the bin 6000-8000
    rows = [(reading, agent, "training", a, b, 0 if m is None else 5, 0 if m is None else 2, m)
            for reading, agent, means in (("all", FIXED, fixed), ("reinit", "nas_dqn", searching), ("reinit", "random_nas", searching[::-1]))
            for (a, b), m in zip(ages, means)]
    rows.append(("reinit", "nas_dqn", "greedy", 8000, 10000, 4, 2, -999.0))  # greedy rows are not this sentence's
    pd.DataFrame(rows, columns=["reading", "agent", "outcome", "age_from", "age_to", "episodes", "runs", "mean"]).to_csv(
        folder / "switch_cost.csv", index=False)
    text = BLOCKS["mechanism-reread"](Context(repo, "README.md"))
    assert "Not committed yet" not in text
    assert "after 10000 steps 0.41; after 20000 steps 0.60; after 50000 steps 0.88" in text
    assert "bins of 2000 steps, a fifth of a window" in text
    assert "| reinit | NAS-DQN | -420.0 | -140.0 |  |" in text and "| reinit | Random-NAS |  | -120.0 | -420.0 (2 runs) |" in text
    assert text.index("| reinit | NAS-DQN |") < text.index("| (from their start) | 27 fixed architectures | -480.0 | -150.0 | -105.0 (2 runs) |")
    assert ("In steps 8000-10000 after taking over, the searching agents' networks average between -140.0 and -120.0, a fixed "
            "architecture at that age from scratch -150.0.") in text
    assert "-999" not in text
