"""Schema errors as sentences that name the key and say what was expected (from the settings table)."""
from __future__ import annotations

import math
from typing import Any

import jsonschema

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.table import AGENT_KEYS, ARCHITECTURE_KEYS, OVERRIDABLE, ROLES, SECTIONS, Setting


def setting_at(path: list) -> Setting | None:
    """The table entry for a key path such as ['agents', 'x', 'dqn', 'gamma']."""
    if len(path) == 2 and path[0] in SECTIONS:
        return SECTIONS[path[0]].get(path[1])
    if len(path) == 2 and path[0] == "roles":
        return ROLES.get(path[1])
    if len(path) == 3 and path[0] == "agents":
        return AGENT_KEYS.get(path[2])
    if len(path) == 4 and path[0] == "agents" and path[2] == "architecture":
        return ARCHITECTURE_KEYS.get(path[3])
    if len(path) == 4 and path[0] == "agents" and path[2] in OVERRIDABLE:
        return SECTIONS[path[2]].get(path[3])
    if len(path) == 4 and path[0] == "variants" and path[2] in OVERRIDABLE:
        return SECTIONS[path[2]].get(path[3])
    if len(path) == 6 and path[0] == "variants" and path[2] == "agents" and path[4] in OVERRIDABLE:
        return SECTIONS[path[4]].get(path[5])
    return None


def message(error: jsonschema.ValidationError, where: str) -> str:
    """A jsonschema error as a sentence that names the key and what was expected."""
    path = [str(p) for p in error.absolute_path]
    key = ".".join(path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        setting = setting_at([*path, missing])
        expects = f"; expected {setting.expects}" if setting else ""
        return f"{where}key '{'.'.join([*path, missing])}' is missing{expects}"
    if error.validator == "additionalProperties":
        extra = error.message.split("'")[1]
        allowed = list(error.schema.get("properties", {}))
        return f"{where}key '{'.'.join([*path, extra])}': unknown key; expected one of {', '.join(allowed)}"
    if error.validator == "not" and path and path[0] == "agents":
        if "partner" in (error.instance or {}) and error.instance.get("controller") != "yoked":
            return f"{where}key '{key}.partner': only yoked agents take a partner"
        return f"{where}key '{key}.architecture': only fixed agents take an architecture"
    if error.validator == "propertyNames":
        return f"{where}key 'agents.{error.instance}': agent names must be letters, digits and underscores"
    setting = setting_at(path)
    expects = setting.expects if setting else error.message
    return f"{where}key '{key or '(top level)'}': expected {expects}, got {error.instance!r}"


def check_finite(node: Any, path: tuple = (), where: str = "config ") -> None:
    """NaN and infinities pass a JSON schema's number checks; no key of ours accepts them."""
    if isinstance(node, float) and not math.isfinite(node):
        raise ConfigError(f"{where}key '{'.'.join(map(str, path))}': expected a finite number, got {node!r}")
    if isinstance(node, dict):
        for k, v in node.items():
            check_finite(v, (*path, k), where)
    elif isinstance(node, list):
        for k, v in enumerate(node):
            check_finite(v, (*path, k), where)


def check_against(validator: jsonschema.protocols.Validator, doc: Any, where: str) -> None:
    """Raise ConfigError for the schema error that names a key most precisely (the deepest)."""
    errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        raise ConfigError(message(max(errors, key=lambda e: len(e.absolute_path)), where))
