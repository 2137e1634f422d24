"""The settings dataclasses of the code (DQNSettings, NASSettings, TaskSettings), built from the
settings table: one frozen, keyword-only field per key of a section, typed as the table says,
with no default of its own. `Cls.from_config(section)` takes a section as resolution left it
and fills the keys it omits with the table's defaults, so that a key is declared in one place
(nasdqn/settings/table.py) and reaches the code without being named anywhere else.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from nasdqn.settings.resolve import resolve_values
from nasdqn.settings.space import check_choices
from nasdqn.settings.table import SECTIONS, defaults

T = TypeVar("T")


def section_settings(section: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: a frozen dataclass with a field per key of `section` (plus any the class
    annotates itself), and `from_config`. Literal-typed fields are checked on construction."""

    def build(cls: type[T]) -> type[T]:
        own = dict(cls.__dict__.get("__annotations__", {}))
        cls.__annotations__ = {**{k: s.py_type for k, s in SECTIONS[section].items()}, **own}
        post_init = getattr(cls, "__post_init__", None)

        def __post_init__(self: Any) -> None:
            check_choices(self)
            if post_init is not None:
                post_init(self)

        cls.__post_init__ = __post_init__  # type: ignore[attr-defined]
        cls.from_config = classmethod(_from_config(section))  # type: ignore[attr-defined]
        cls.SECTION = section  # type: ignore[attr-defined]
        return dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    return build


def _from_config(section: str) -> Callable[..., Any]:
    def from_config(cls: type[T], values: Mapping[str, Any] | None = None, /, **more: Any) -> T:
        """From a section of the config (and keyword values): omitted keys take the table's defaults,
        and values that stand for another are resolved (resolve.RESOLVERS)."""
        given = {**(values or {}), **more}
        unknown = sorted(set(given) - set(SECTIONS[section]))
        if unknown:
            raise ValueError(f"{section}: unknown key(s) {', '.join(unknown)}; expected keys of the settings table's "
                             f"'{section}' section")
        return cls(**resolve_values(section, {**defaults(section), **given}))

    return from_config
