"""The paper's claims as data, and the one decision rule that judges them.

Each claim names the agents it compares by *role* (the reference agent, the random-search
controls, the fixed baselines, ...); the config's `roles` section says which agent plays which
role, so renaming an agent never drops a claim. Each comparison has a metric (registry.py: its
column, test and margin) and a kind (judgements.py: what the paper's words allow).

The decision rule (docs/statistics.md): every comparison's verdict comes from ONE interval of
its effect against zero and the margin fixed in advance. A claim is supported when every
comparison is ("all"; "any" for "some poorly-chosen fixed design"), contradicted when one rules
the claim out, inconclusive otherwise, and "not decidable at N seeds" when no outcome of the test
could reach a verdict with this many runs. The side that needs every comparison (support of an
"all" claim) reads each comparison's interval at the claim's level (the intersection-union test);
the side one comparison suffices for splits the level over the claim's comparisons (Bonferroni).
The abstract's claims form the primary family, Holm-corrected across claims; the oracle's three
questions form a family of their own; the others are exploratory (level alpha).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nasdqn.analysis import oracle as _oracle  # noqa: F401  (registers the oracle's metrics)
from nasdqn.analysis.judgements import KindName
from nasdqn.analysis.margins import DecisionSettings  # noqa: F401  (re-exported: the settings the rule reads)
from nasdqn.analysis.registry import METRICS
from nasdqn.analysis.samples import Samples  # noqa: F401  (re-exported)

Family = Literal["primary", "exploratory", "oracle"]
Quantifier = Literal["all", "any"]

# Pseudo-roles, resolved against the config's roles (resolve()).
OTHERS = "others"  # every agent but the reference and the oracle's architectures
RANDOM_CONTROLS = "random_controls"  # Random-NAS (uniform) and the matched random control, where set
UNIFORM = "uniform"  # what a uniform search over the 27 architectures would give (a constant)
MEDIAN_ARCH, BEST_ARCH = _oracle.MEDIAN, _oracle.BEST  # the oracle's median and best-in-hindsight architecture


@dataclass(frozen=True)
class Comparison:
    """`better` should beat `than` on `metric`, in the sense of `kind`; roles expand to agents,
    pairs of an agent with itself are skipped (so "fixed" vs "large_fixed" means every other
    fixed agent vs the large). pooled: the `than` agents form one group (one comparison)."""

    metric: str
    better: str
    than: str
    kind: KindName = "better"
    factor: float | None = None  # "about F x"
    pooled: bool = False


@dataclass(frozen=True)
class Claim:
    id: str
    words: str  # the paper's own words
    where: str  # section or figure
    comparisons: tuple[Comparison, ...]
    family: Family = "exploratory"
    quantifier: Quantifier = "all"
    source: Literal["paper", "inferred"] = "paper"  # inferred: our reading, not the paper's sentence
    joint: str = ""  # claims of a family read off one joint confidence set (the same name): one test, one level

    @property
    def column(self) -> str:
        """The per-run column of the first comparison (what marks a claim about wall time)."""
        return METRICS[self.comparisons[0].metric].column

    @property
    def kind(self) -> str:
        """The claim's kind as the tables name it: dominance, factor, equivalence, bound, band, mixed."""
        names = {"better": "dominance", "much_better": "dominance", "about": "factor", "comparable": "equivalence",
                 "not_worse": "bound", "slightly_better": "band"}
        kinds = {names[c.kind] for c in self.comparisons}
        return kinds.pop() if len(kinds) == 1 else "mixed"


C = Comparison
CLAIMS: tuple[Claim, ...] = (
    # ----- the primary family: the abstract's claims ---------------------------------------------
    Claim("final_superior", "NAS-DQN achieves superior final performance", "abstract, 2.4",
          (C("final_performance", "reference", OTHERS),), "primary"),
    Claim("fewest_episodes", "It reaches the performance threshold [...] in significantly fewer episodes than any other agent",
          "abstract, 3.2, Fig. 3", (C("time_to_threshold", "reference", OTHERS),), "primary"),
    Claim("lowest_std", "NAS-DQN achieves the lowest standard deviation in rewards during the final 100 episodes",
          "abstract, 3.2, Fig. 3", (C("stability", "reference", OTHERS),), "primary"),
    Claim("nas_beats_random", "the learned search strategy substantially outperforms [...] undirected random architecture "
          "exploration; pronounced superiority in final performance, sample efficiency [...] and policy stability relative "
          "to its Random-NAS counterpart", "abstract, 1, 3.4, 4",
          (C("final_performance", "reference", RANDOM_CONTROLS, "much_better"),
           C("time_to_threshold", "reference", RANDOM_CONTROLS, "much_better"),
           C("stability", "reference", RANDOM_CONTROLS, "much_better")), "primary"),
    Claim("beats_poor_fixed", "the learned search strategy substantially outperforms [...] poorly-chosen fixed designs",
          "abstract", (C("final_performance", "reference", "fixed", "much_better"),), "primary", quantifier="any"),
    Claim("negligible_overhead", "while incurring negligible computational overhead", "abstract, 1, 3.3, Fig. 5",
          (C("train_seconds", "reference", "fixed", "not_worse"),), "primary"),
    # ----- exploratory: the other sentences of sections 3.1-3.4 and the figures ----------------------
    Claim("final_best", "NAS-DQN achieves the highest median reward over the last 100 episodes", "3.1, Fig. 3",
          (C("final_median", "reference", OTHERS),)),
    Claim("rapid_and_maintained", "It rapidly achieves a high average reward and maintains it", "3.1",
          (C("time_to_threshold", "reference", OTHERS), C("drawdown", "reference", "reference", "not_worse"))),
    Claim("final_tightest", "[NAS-DQN] exhibits a much tighter distribution of outcomes compared to all other methods",
          "3.1, Fig. 3", (C("final_spread", "reference", OTHERS, "much_better"),)),
    Claim("large_struggles", "the \"Fixed Large\" agent struggles to learn effectively", "3.1",
          (C("final_performance", "fixed", "large_fixed"),)),
    Claim("medium_best_fixed", "The \"Fixed Medium\" agent is the best-performing static baseline, but it is still "
          "outperformed by NAS-DQN", "3.1", (C("final_performance", "medium_fixed", "fixed"), C("final_performance", "reference", "medium_fixed"))),
    Claim("faster_than_fixed", "NAS-DQN converges approximately 3x faster than fixed baselines", "Fig. 4",
          (C("time_to_threshold", "reference", "fixed", "about", 3.0, pooled=True),)),
    Claim("faster_than_random", "[NAS-DQN converges approximately] 10x faster than Random-NAS", "Fig. 4",
          (C("time_to_threshold", "reference", RANDOM_CONTROLS, "about", 10.0),)),
    Claim("highest_peak", "superiority on every metric of 2.4, peak performance included (our inference from \"The plots "
          "consistently demonstrate the superiority of the NAS-DQN agent\")", "2.4, 3",
          (C("peak", "reference", OTHERS),), source="inferred"),
    Claim("fixed_slightly_faster", "the fixed-architecture agents are slightly faster to train", "3.3",
          (C("train_seconds", "fixed", "reference", "slightly_better"),)),
    Claim("cost_comparable", "NAS-DQN's training time is comparable to the \"Fixed Large\" baseline and the Random NAS agent",
          "3.3, Fig. 5", (C("train_seconds", "reference", "large_fixed", "comparable"),
                          C("train_seconds", "reference", RANDOM_CONTROLS, "comparable"))),
    Claim("search_concentrates", "NAS-DQN concentrates search in high-reward regions; Random-NAS explores uniformly "
          "across the space", "3.4, Fig. 6", (C("visit_entropy", "reference", RANDOM_CONTROLS),
                                               C("best_pick_fraction", "reference", RANDOM_CONTROLS))),
    Claim("nas_agents_beat_fixed", "NAS-DQN and Random-NAS substantially outperform fixed-architecture baselines on the "
          "final 100 episodes", "Fig. 7", (C("final_performance", "reference", "fixed", "much_better"),
                                          C("final_performance", "random_search", "fixed", "much_better"))),
    # ----- the oracle's questions (issue 18): a family of their own --------------------------------
    Claim("beats_median_architecture", "online architecture search beats the median fixed architecture (our question)",
          "oracle", (C("vs_median_architecture", "reference", MEDIAN_ARCH),), "oracle", source="inferred", joint="architectures"),
    Claim("near_best_in_hindsight", "online architecture search comes within the margin of the best fixed architecture in "
          "hindsight (our question)", "oracle", (C("vs_best_in_hindsight", "reference", BEST_ARCH, "not_worse"),), "oracle",
          source="inferred", joint="architectures"),
    Claim("finds_top_architectures", "NAS-DQN adaptively identifies the optimal network capacity: its visits and final "
          "picks fall in the oracle's top 5 more often than uniform search (5/27)", "1",
          (C("top5_visits", "reference", UNIFORM), C("top5_final_pick", "reference", UNIFORM)), "oracle"),
)
