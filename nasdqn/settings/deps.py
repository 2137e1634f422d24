"""Which source files each stage of the workflow runs: the import closure of its command.

Every workflow rule runs one command of the CLI (`python -m nasdqn <command>`), and each command
lives in a module of `nasdqn.commands`. A stage depends on every module that running it can
import: the package's entry (`nasdqn/__main__.py`, `nasdqn/cli.py` and the `__init__.py` of
every package on the way) and the modules its command module imports, directly or through
others, at module level or inside functions. The graph is read with `ast`, never by importing,
so the workflow computes it at parse time with plain Python (no numpy, no torch).

Editing one module then reruns exactly the stages whose closure holds it (and what depends on
their outputs); tests/test_deps.py checks it against `snakemake -n`.
"""
from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = "nasdqn"
ENTRY = ("nasdqn.__main__", "nasdqn.cli")
# The workflow's stages and the command module each one runs.
STAGE_COMMANDS = {
    "train": "nasdqn.commands.train",
    "aggregate": "nasdqn.commands.aggregate",
    "figure": "nasdqn.commands.figure",
    "render": "nasdqn.commands.render",
    "report": "nasdqn.commands.report",
    "sensitivity": "nasdqn.commands.sensitivity",
    "floor": "nasdqn.commands.floor",
}


def module_file(module: str, root: Path) -> Path | None:
    """nasdqn.a.b -> root/nasdqn/a/b.py or root/nasdqn/a/b/__init__.py (None: not ours)."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against `module`)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(module: str, root: Path) -> set[str]:
    """The package's modules that `module` imports anywhere in its source (with their parents,
    whose __init__ runs on import)."""
    path = module_file(module, root)
    if path is None:
        return set()
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path.name == "__init__.py")
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)  # `from pkg import submodule`
    out = set()
    for name in found:
        parts = name.split(".")
        for k in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            prefix = ".".join(parts[:k])
            if module_file(prefix, root) is not None:
                out.add(prefix)
    return out


def closure(modules: tuple[str, ...], root: Path) -> set[str]:
    """Every module of the package that importing `modules` can import, them included."""
    seen: set[str] = set()
    todo = [m for m in modules if module_file(m, root) is not None]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo.extend(imported_modules(m, root) - seen)
    return seen


@lru_cache(maxsize=None)
def stage_code(root: str = ".") -> dict[str, list[str]]:
    """Stage -> the source files (paths relative to root, sorted) it depends on."""
    base = Path(root)
    out = {}
    for stage, command in STAGE_COMMANDS.items():
        files = {module_file(m, base) for m in closure((*ENTRY, command), base)}
        out[stage] = sorted(str(f.relative_to(base)) for f in files if f is not None)
    return out


def package_root() -> Path:
    """The folder that holds the nasdqn package (the repository root of a checkout)."""
    return Path(__file__).resolve().parents[2]


def normalised_source(source: str, filename: str = "<source>") -> str:
    """The code of a module without what cannot change what it computes: its syntax tree with
    docstrings removed, printed without line numbers (comments and layout are not in the tree).
    Editing a docstring, a comment or the formatting leaves it unchanged; any edit of code changes
    it. The printed tree is Python's (`ast.dump`), so it is specific to the Python minor version."""
    tree = ast.parse(source, filename=filename)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = body[1:]
    return ast.dump(tree, include_attributes=False)


def code_digest(stage: str, root: str | Path | None = None) -> str:
    """SHA-256 over the paths and normalised code (`normalised_source`) of every file of a stage's
    closure: run.json records it, and the workflow retrains a run whose recorded digest is not the
    current one, so a docstring or comment edit retrains nothing while a code edit retrains every
    run of the stage."""
    base = Path(root) if root is not None else package_root()
    h = hashlib.sha256()
    for name in stage_code(str(base))[stage]:
        code = normalised_source((base / name).read_text(), name)
        h.update(name.encode() + b"\0" + code.encode() + b"\0")
    return h.hexdigest()
