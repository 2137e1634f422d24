"""REPORT.md (nasdqn/outputs/report.py) from a tiny study's tables (tests/fake_study.py): the forest
plot and the claims table open the report, the sanity floor comes above the claims, every verdict
is one of the rule's."""
from __future__ import annotations

import re

import pytest

from nasdqn.analysis.claims import CLAIMS
from nasdqn.cli import main


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
