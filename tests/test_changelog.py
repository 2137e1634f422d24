"""The project's record of itself (CHANGELOG.md): it names each version's commit (tags do not reach a
clone, commits do), and that commit is in the history and says that version."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import REPO

HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2}) - commit ([0-9a-f]{7,40})$", re.M)


def test_every_version_heading_names_a_commit():
    text = (REPO / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", text, re.M)
    named = {v: c for v, _, c in HEADING.findall(text)}
    assert versions and set(versions) == set(named), f"version headings without a commit: {set(versions) - set(named)}"


def full_history() -> bool:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        return False
    shallow = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--is-shallow-repository"], capture_output=True, text=True)
    return shallow.returncode == 0 and shallow.stdout.strip() == "false"


@pytest.mark.skipif(not full_history(), reason="not a git checkout with its full history (a shallow clone lacks old commits)")
def test_each_named_commit_is_in_the_history_and_says_its_version():
    for version, _, commit in HEADING.findall((REPO / "CHANGELOG.md").read_text()):
        found = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:nasdqn/__init__.py"], capture_output=True, text=True)
        if found.returncode != 0 and "nasdqn/__init__.py" in found.stderr:  # before the package's layout: the version lived elsewhere
            found = subprocess.run(["git", "-C", str(REPO), "grep", "-h", "__version__", commit], capture_output=True, text=True)
        assert found.returncode == 0, f"{version}: commit {commit} is not in this clone's history ({found.stderr.strip()})"
        assert f'__version__ = "{version}"' in found.stdout, f"{version}: commit {commit} does not set __version__ to it"
