"""REPORT.md (nasdqn/outputs/report.py) from a tiny study's tables (tests/fake_study.py): the forest
plot and the claims table open the report, the sanity floor comes above the claims, every verdict
is one of the rule's; its parts directly: the verdict words, the tally, a claim's row, the figure
and GIF folders and the searches it is given, every figure with its caption."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from nasdqn.analysis.claims import CLAIMS
from nasdqn.analysis.tables import Analysis
from nasdqn.cli import main
from nasdqn.outputs import report as rep
from nasdqn.outputs.gallery import captions, names_for
from nasdqn.settings.config import analysis_settings, load


@pytest.fixture(scope="module")
def report(aggregated):
    root = aggregated
    assert main(["report", "--config", str(root / "cfg.yaml"), "--metrics-dir", str(root / "results/metrics"),
                 "--out", str(root / "results/REPORT.md")]) == 0
    return root, (root / "results/REPORT.md").read_text()


def test_the_report_opens_with_the_forest_plot_then_the_floor_then_the_claims(report):
    _, text = report
    forest, floor, claims = text.index("figures/forest.png"), text.index("## Did every agent learn?"), text.index("## The paper's claims")
    assert forest < floor < claims < text.index("## How the verdicts are decided")
    assert "**Random-NAS did not learn** in 4 of 4 seeds" in text


def test_every_claim_has_a_row_with_a_verdict_of_the_rule(report):
    _, text = report
    table = text.split("## The paper's claims", 1)[1].split("## How the verdicts are decided", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [re.match(r"\| `(\w+)`", r).group(1) for r in rows] == [c.id for c in CLAIMS]
    for row in rows:
        assert re.search(r"\*\*(supported|contradicted)\*\*|(inconclusive|not decidable) at 4 seeds|not tested", row), row
    assert any("**primary**" in r for r in rows) and any("*(our inference)*" in r for r in rows)
    # 4 vs 4 runs: the smallest one-sided permutation p is 1/70, below alpha / 2, so the support of an "all" claim
    # (intersection-union, no split) can be reached; only the split side could not (alpha / (2 x 5) = 0.005)
    for row in (r for r in rows if "not decidable at 4 seeds" in r):
        assert re.search(r"not decidable at 4 seeds \(with 4 vs \d+ runs the smallest one-sided permutation p", row), row
    fewest = next(r for r in rows if r.startswith("| `fewest_episodes`"))
    assert "not decidable" not in fewest


def test_the_report_has_the_oracle_the_ceiling_and_the_provenance(report):
    _, text = report
    for heading in ("## The oracle: what architecture does on this task", "## Success at the ceiling", "## Provenance",
                    "## Every comparison behind the claims"):
        assert heading in text, heading
    assert "oracle_ranking.png" in text and "Margins, fixed in advance" in text


# ----- the report's parts, called directly ------------------------------------------------------------
def test_verdict_words():
    assert rep.verdict_text("inconclusive", 4) == "inconclusive at 4 seeds"
    assert rep.verdict_text("not decidable", 10) == "not decidable at 10 seeds"
    assert rep.verdict_text("supported", 4) == "**supported**" and rep.verdict_text("contradicted", 3) == "**contradicted**"
    assert rep.verdict_text("not tested", 4) == "not tested"


def test_the_tally_counts_claims_and_each_shared_comparison_once():
    claims = pd.DataFrame({"verdict": ["supported", "supported", "inconclusive", "supported", "not tested"],
                           "family": ["primary", "primary", "primary", "exploratory", "oracle"]})
    comparisons = pd.DataFrame({"comparison": ["a", "a", "b", "c"], "says": ["supports", "supports", "undecided", "contradicts"]})
    assert rep.tally(claims, comparisons) == (
        "Verdicts (5 claims): supported 3, inconclusive 1, not tested 1; primary family: supported 2, inconclusive 1. They rest on "
        "3 distinct comparisons (one shared by several claims counted once), of which 1 supports, 1 contradicts, 1 undecided at "
        "their claims' levels.")


def test_a_claims_row_marks_its_family_and_source_and_gives_seeds_only_when_undecided():
    row = {"claim": "c1", "family": "primary", "words": "it wins", "where": "abstract", "source": "inferred", "measured": "final",
           "effect": "1 | 2", "margin": "5", "reading": "inside", "verdict": "inconclusive", "note": "", "seeds_needed": "12",
           "seeds_observed": "30"}
    decided = {**row, "claim": "c2", "family": "oracle", "source": "paper", "verdict": "supported", "note": "shared"}
    lines = rep.claims_section(pd.DataFrame([row, decided]), 4)
    assert lines[0] == "## The paper's claims" and lines[-1] == ""
    assert lines[-3] == ("| `c1` | **primary** | \"it wins\" (abstract) *(our inference)* | final | 1 / 2 | 5 | inside | inconclusive at 4 seeds "
                         "| 12 (stated) / 30 (observed) |")
    assert lines[-2] == "| `c2` | *oracle* | \"it wins\" (abstract) | final | 1 / 2 | 5 | inside | **supported** (shared) |  |"


@pytest.fixture(scope="module")
def settings(aggregated):
    return analysis_settings(load(aggregated / "cfg.yaml"))


@pytest.fixture(scope="module")
def analysis(settings):
    return Analysis.from_settings(settings)


def test_build_report_is_what_the_command_writes(report, settings, analysis):
    root, text = report
    budget, threshold = f"{settings['budget']} {settings['unit']}", float(settings["success_threshold"])
    searchers = [x for x, c in settings["controllers"].items() if c != "fixed"]
    assert searchers == ["nas_dqn", "random_nas"]
    assert rep.build_report(root / "results/metrics", analysis, "figures", budget, threshold, searchers, "gifs") == text
    assert text.startswith("# NAS-DQN reproduction report\n\nGenerated by `python -m nasdqn report` from 128 runs (32 agents x 4 seeds, "
                           "24 episodes each, threshold 20).")


def test_the_report_links_its_figure_and_gif_folders_and_the_searches_it_is_given(aggregated, analysis):
    text = rep.build_report(aggregated / "results/metrics", analysis, "figs", "24 episodes", 150.0, ["nas_dqn"], "anims")
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert links and {link.split("/")[0] for link in links} == {"figs", "anims"}
    assert "figs/search_nas_dqn.png" in links and "figs/search_random_nas.png" not in links
    assert "## What the architecture searches did" in text and "anims/nas_dqn.gif" in links
    assert not any(link.startswith("anims/arch_") for link in links)  # the oracle's architectures get no GIF
    alone = rep.build_report(aggregated / "results/metrics", analysis, "figs", "24 episodes", 150.0, None, "anims")
    assert "## What the architecture searches did" not in alone and "search_nas_dqn" not in alone


def test_the_figures_section_lists_every_figure_of_the_study_with_its_caption(analysis):
    lines = rep.figures_section(analysis, 150.0, "figs")
    names, caps = names_for(analysis), captions(analysis, 150.0)
    assert "oracle_ranking" in names and lines[:2] == ["## Figures", ""]
    assert lines[2:] == [x for n in names for x in (f"### {caps[n]}", "", f"![{caps[n]}](figs/{n}.png)", "")]
    assert "exceeds 150" in caps["fig4_convergence"]
