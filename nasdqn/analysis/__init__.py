"""Layer 4, the analysis: per-run metrics (metrics), the comparisons' tests (effects, stats,
survival, power), the registries of metrics (registry) and claim kinds (judgements), the paper's
claims as data (claims) and the one decision rule (decision, margins), the oracle (oracle, its
joint model against the reference: oracle_model, the share of variance: variance_share), the seed
as the unit across readings (pooling), and the tables aggregation writes (tables, claim_tables,
oracle_tables, curves)."""
