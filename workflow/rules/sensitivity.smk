# A study with `variants` (a sensitivity study): the claims x variants matrix, the final
# performance of every agent in every variant, and the top-level REPORT.md that says which
# readings of the paper make which claims hold.
if STUDY.plan.has_variants:

    localrules:
        sensitivity,

    rule sensitivity:
        """Claims x variants: every variant's verdicts side by side, from the same decision rule."""
        input:
            claims=expand("{root}/metrics/claims.csv", root=STUDY.roots),
            summary=expand("{root}/metrics/summary.csv", root=STUDY.roots),
            reports=expand("{root}/REPORT.md", root=STUDY.roots),
        output:
            matrix=report(
                f"{STUDY.study_root}/sensitivity/matrix.csv",
                caption="../report/matrix.rst",
                category="Sensitivity",
            ),
            png=report(
                f"{STUDY.study_root}/sensitivity/final_by_variant.png",
                caption="../report/final_by_variant.rst",
                category="Sensitivity",
            ),
            pdf=f"{STUDY.study_root}/sensitivity/final_by_variant.pdf",
            report=report(
                f"{STUDY.study_root}/REPORT.md",
                caption="../report/report.rst",
                category="Report",
            ),
        log:
            f"{STUDY.study_root}/logs/sensitivity.log",
        conda:
            "../envs/nasdqn.yaml"
        params:
            code=CODE["sensitivity"],
            analysis=STUDY.study_analysis_json(),
            variants=STUDY.variants_json(),
            out_dir=subpath(output.matrix, parent=True),
        shell:
            "PYTHONPATH=. python -m nasdqn sensitivity --analysis-json {params.analysis:q}"
            " --variants-json {params.variants:q} --out-dir {params.out_dir} --report {output.report} > {log} 2>&1"
