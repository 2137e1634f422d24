"""The workflow's conda env (workflow/envs/nasdqn.yaml) against pyproject.toml and constraints.txt."""
import re
import tomllib

import yaml

from conftest import REPO


def test_conda_env_pins_the_tested_versions_within_the_package_ranges_and_every_rule_declares_it():
    """workflow/envs/nasdqn.yaml pins each dependency of pyproject.toml (same extras) at the exact
    version of constraints.txt, and that version lies in pyproject's range."""
    from packaging.requirements import Requirement

    def by_name(specs):
        return {Requirement(s).name.lower(): Requirement(s) for s in specs}

    env = yaml.safe_load((REPO / "workflow/envs/nasdqn.yaml").read_text())
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    pinned = by_name(d for d in pip if not d.startswith("-"))
    package = by_name(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
    tested = by_name(line for line in (REPO / "constraints.txt").read_text().splitlines() if line and not line.startswith("#"))
    assert set(pinned) == set(package)
    for name, req in pinned.items():
        assert req.specifier == tested[name].specifier and str(req.specifier).startswith("=="), name
        assert package[name].specifier.contains(str(req.specifier)[2:]) and req.extras == package[name].extras, name
    assert "torch==2.13.0" in pip and str(tested["torch"].specifier) == "==2.13.0"
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        text = smk.read_text()
        rules = re.findall(r"^rule (\w+):", text, flags=re.M)
        for rule in rules:
            body = text.split(f"rule {rule}:", 1)[1].split("\nrule ", 1)[0]
            assert 'conda:\n        "../envs/nasdqn.yaml"' in body, f"{smk.name}: rule {rule} declares no conda env"
    assert any((REPO / "workflow/rules").glob("*.smk"))
