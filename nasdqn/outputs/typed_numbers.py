"""Numbers typed by hand where a document should only quote generated ones (a heuristic).

README.md and docs/results.md take every number a run produces from a generated block
(nasdqn/outputs/readme.py). Outside those blocks this check looks for the shapes that results
take, and reports each with its line:

- a decimal number (`-196.5`, `0.76`, `p 0.045`, `0.37x`);
- a numeric interval in brackets (`[0.71, 0.80]`, `[-276, -117]`);
- a percentage (`76%`);
- a signed number (`-196`, `+66`), other than inside a word or a range (`x86-64`, `2-7`);
- a count of the form `N of M` (`57 of 57`);
- a duration (`12 min`, `26 s`, `28 minutes`, `3 hours`): what a clock measured.

Not checked: fenced code blocks, inline code (commands, keys and settings) and link targets.
Allowed: version numbers (`0.2.0`, `v0.1.0`, `torch 2.13.0`: three dot-separated parts) and the
phrases in ALLOWED (the Python version). Plain integers (seeds, step budgets, `27
architectures`, CPU family and model numbers) are allowed: they are settings and facts, and a
result that is a plain integer in prose is the case this heuristic does not catch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ALLOWED = (r"\bPython 3\.11\b", r"\bpython3\.11\b", r"\bv?\d+\.\d+\.\d+\b")
FORBIDDEN = {
    "decimal number": r"(?<![\w.])[-+\u2212]?\d+\.\d+",
    "interval": r"\[\s*[-+\u2212]?\d[\d.,]*\s*,\s*[-+\u2212]?\d[\d.,]*\s*\]",
    "percentage": r"\d+(?:\.\d+)?\s?%",
    "signed number": r"(?<![\w\-.+/])[-+\u2212]\d+",
    "count N of M": r"\b\d+ of \d+\b",
    "duration": r"\b\d+(?:\.\d+)?\s?(?:s|sec|seconds?|min|minutes?|h|hours?)\b",
}
_MASKED = (r"```.*?```", r"`[^`\n]*`", r"\]\([^)\s]*\)", r"<!--.*?-->")


@dataclass(frozen=True)
class Typed:
    document: str
    line: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.document}:{self.line}: {self.kind} typed by hand: {self.text!r}"


def _blank(text: str, pattern: str, flags: int = 0) -> str:
    """The text with every match replaced by as many spaces (newlines kept, so line numbers hold)."""
    return re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=flags)


def masked(text: str, generated: str) -> str:
    """The prose this check reads: generated blocks, code, link targets, comments and allowed phrases blanked."""
    text = _blank(text, generated, re.S)
    for pattern in _MASKED:
        text = _blank(text, pattern, re.S)
    for pattern in ALLOWED:
        text = _blank(text, pattern)
    return text


def typed_numbers(document: str, text: str, generated: str) -> list[Typed]:
    """Every result-shaped number outside the generated blocks (matched by the regex `generated`)."""
    prose = masked(text, generated)
    found = []
    for kind, pattern in FORBIDDEN.items():
        for m in re.finditer(pattern, prose):
            found.append(Typed(document, prose.count("\n", 0, m.start()) + 1, kind, m.group(0).strip()))
    return sorted(found, key=lambda t: (t.line, t.kind))
