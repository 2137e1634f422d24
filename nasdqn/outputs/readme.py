"""The project's documents with generated blocks: README.md and the docs/*.md that hold one.

A block is written between two markers,

    <!-- generated: NAME -->
    ...
    <!-- end generated -->

and its content is exactly what the function registered as NAME (nasdqn/outputs/blocks.py, the
block modules imported below) returns from the committed tables under studies/. `regenerate`
rewrites every block of a text and is idempotent (a regenerated text regenerates to the same
bytes); `stale_blocks` names the blocks whose committed text differs from what the tables give;
`typed` runs the typed-numbers check (nasdqn/outputs/typed_numbers.py) on the documents whose
prose may not quote a result by hand (CHECKED).
"""
from __future__ import annotations

import re
from pathlib import Path

from nasdqn.outputs import readme_fairtest, readme_mechanism, readme_records, readme_reread, readme_studies
from nasdqn.outputs.blocks import BLOCKS, Context
from nasdqn.outputs.typed_numbers import Typed, typed_numbers
from nasdqn.settings.errors import ResultsError

BLOCK_MODULES = (readme_studies, readme_mechanism, readme_reread, readme_fairtest, readme_records)  # imported for their @block registrations
START = "<!-- generated: {name} -->"
END = "<!-- end generated -->"
BLOCK = re.compile(r"(?ms)^<!-- generated: ([A-Za-z0-9_:-]+) -->\n(.*?)^" + re.escape(END) + "$")
STARTS, ENDS = re.compile(r"(?m)^<!-- generated:"), re.compile(r"(?m)^" + re.escape(END) + "$")
CHECKED = ("README.md", "docs/results.md")  # no run-produced number typed by hand outside their generated blocks


def documents(repo: Path) -> list[str]:
    """README.md and every docs/*.md with a generated block, relative to the repository."""
    docs = sorted(p.relative_to(repo).as_posix() for p in (repo / "docs").glob("*.md") if STARTS.search(p.read_text()))
    return ["README.md", *docs]


def render(name: str, ctx: Context) -> str:
    if name not in BLOCKS:
        raise ResultsError(f"{ctx.document}: no generated block named {name!r} (known: {', '.join(sorted(BLOCKS))})")
    return BLOCKS[name](ctx).strip("\n")


def _check_markers(text: str, document: str) -> None:
    starts, ends, found = len(STARTS.findall(text)), len(ENDS.findall(text)), len(BLOCK.findall(text))
    if starts != found or ends != found:
        raise ResultsError(f"{document}: {starts} block start(s), {ends} end(s), {found} well-formed block(s); "
                           f"each block is {START.format(name='NAME')} and {END}, each on a line of its own")


def regenerate(text: str, ctx: Context) -> str:
    """The text with every generated block rewritten from the tables."""
    _check_markers(text, ctx.document)
    return BLOCK.sub(lambda m: f"{START.format(name=m[1])}\n{render(m[1], ctx)}\n{END}", text)


def stale_blocks(text: str, ctx: Context) -> list[str]:
    """The names of the blocks whose text differs from what the tables give, in document order."""
    _check_markers(text, ctx.document)
    return [m[1] for m in BLOCK.finditer(text) if m[2] != render(m[1], ctx) + "\n"]


def typed(repo: Path) -> list[Typed]:
    return [t for doc in CHECKED if (repo / doc).is_file() for t in typed_numbers(doc, (repo / doc).read_text(), BLOCK.pattern)]


def update(repo: Path) -> list[str]:
    """Rewrite every document's blocks; the documents that changed."""
    changed = []
    for doc in documents(repo):
        path = repo / doc
        old = path.read_text()
        new = regenerate(old, Context(repo, doc))
        if new != old:
            path.write_text(new)
            changed.append(doc)
    return changed


def stale(repo: Path) -> list[str]:
    """'document: block' for every block that differs from what the committed tables give."""
    return [f"{doc}: {name}" for doc in documents(repo) for name in stale_blocks((repo / doc).read_text(), Context(repo, doc))]
