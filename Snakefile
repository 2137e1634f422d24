# NAS-DQN reproduction workflow. Thin by design: configuration, validation, includes.
# Run it with the README's command; see README.md for the layout of results/.
from snakemake.utils import min_version, validate

min_version("9.0")


# The paper protocol, unless another config is given with --configfile (which then
# replaces it instead of being merged into it).
if not config:

    configfile: "config/config.yaml"


# The package's own check first (its messages name the key), then the JSON schema.
include: "workflow/rules/common.smk"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        "results/REPORT.md",
        rules.aggregate.output,
        expand("results/figures/{figure}.{ext}", figure=FIGURE_NAMES, ext=["png", "pdf"]),
    default_target: True
