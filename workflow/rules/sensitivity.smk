# A study with `variants` (a sensitivity study): the claims x variants matrix, the final
# performance of every agent in every variant, and the top-level REPORT.md that says which
# readings of the paper make which claims hold.
if PLAN.has_variants:

    rule sensitivity:
        """Claims x variants: every variant's verdicts side by side, from the same decision rule."""
        input:
            claims=expand("{root}/metrics/claims.csv", root=ROOTS),
            summary=expand("{root}/metrics/summary.csv", root=ROOTS),
            reports=expand("{root}/REPORT.md", root=ROOTS),
            code=CODE["sensitivity"],
        output:
            matrix=report(
                f"{STUDY_ROOT}/sensitivity/matrix.csv",
                caption="../report/matrix.rst",
                category="Sensitivity",
            ),
            png=report(
                f"{STUDY_ROOT}/sensitivity/final_by_variant.png",
                caption="../report/final_by_variant.rst",
                category="Sensitivity",
            ),
            pdf=f"{STUDY_ROOT}/sensitivity/final_by_variant.pdf",
            report=report(
                f"{STUDY_ROOT}/REPORT.md",
                caption="../report/report.rst",
                category="Report",
            ),
        log:
            f"{STUDY_ROOT}/logs/sensitivity.log",
        conda:
            "../envs/nasdqn.yaml"
        params:
            analysis=canonical_json(analysis_settings(config)),
            variants=canonical_json(
                [
                    [v, r, (config.get("variants") or {}).get(v, {})]
                    for v, r in PLAN.roots.items()
                ]
            ),
            out_dir=subpath(output.matrix, parent=True),
        shell:
            "PYTHONPATH=. python -m nasdqn sensitivity --analysis-json {params.analysis:q}"
            " --variants-json {params.variants:q} --out-dir {params.out_dir} --report {output.report} > {log} 2>&1"
