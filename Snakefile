# NAS-DQN reproduction workflow. Thin by design: configuration, validation, includes.
# Run it with the README's command; see README.md for the layout of results/.
from snakemake.utils import min_version

min_version("9.0")


# The paper protocol, unless another config is given with --configfile (which then
# replaces it instead of being merged into it).
if not config:

    configfile: "config/config.yaml"


# Validates the config once (workflow/schemas/config.schema.yaml plus cross-key rules).
include: "workflow/rules/common.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/sensitivity.smk"


rule all:
    default_target: True
    input:
        "results/REPORT.md",
        expand("{root}/REPORT.md", root=ROOTS),
        expand(
            "{root}/figures/{figure}.{ext}",
            root=ROOTS,
            figure=FIGURE_NAMES,
            ext=["png", "pdf"],
        ),
