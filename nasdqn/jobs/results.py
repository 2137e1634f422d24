"""Reading and writing one run's files: atomically on the way out, validated on the way in.

Floats are written with repr(), the shortest text that reads back to the same float, so a
rerun with the same config and seed gives byte-identical CSV files.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from nasdqn.settings.columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS, EVALUATION_COLUMNS
from nasdqn.settings.errors import ResultsError
from nasdqn.settings.space import ACTIVATIONS, LAYER_CHOICES, UNIT_CHOICES


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; results are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    text = str(value)
    if any(c in text for c in ',"\n\r'):  # RFC 4180 quoting, for free-text cells
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(columns: list[str], rows: Iterable[dict]) -> str:
    lines = [",".join(columns)]
    lines += [",".join(_cell(row[c]) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


# ----- validation of what aggregation reads ----------------------------------------------
def read_episodes(path: str | Path, expected_episodes: int | None = None) -> pd.DataFrame:
    """Load episodes.csv and check columns, types, episode numbering and finite returns."""
    path = Path(path)
    df = _read_csv(path, EPISODE_COLUMNS)
    for col in ("episode", "steps", "layers", "units"):
        _require_integer(path, df, col)
    for col in ("return", "epsilon"):
        _require_numeric(path, df, col)
    if df["return"].isna().any() or not df["return"].map(math.isfinite).all():
        bad = int(df.index[~df["return"].map(lambda v: isinstance(v, float) and math.isfinite(v))][0]) + 1
        raise ResultsError(f"{path}: column 'return' holds a NaN or infinite value (data row {bad})")
    if list(df["episode"]) != list(range(1, len(df) + 1)):
        raise ResultsError(f"{path}: column 'episode' must count 1, 2, 3, ... without gaps")
    if expected_episodes is not None and len(df) != expected_episodes:
        raise ResultsError(f"{path}: holds {len(df)} episodes, the config asks for {expected_episodes}")
    if not df["layers"].isin(LAYER_CHOICES).all() or not df["units"].isin(UNIT_CHOICES).all():
        raise ResultsError(f"{path}: columns 'layers'/'units' hold values outside the search space")
    if not df["activation"].isin(ACTIVATIONS).all():
        raise ResultsError(f"{path}: column 'activation' holds values outside {ACTIVATIONS}")
    return df


def read_architectures(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    df = _read_csv(path, ARCHITECTURE_COLUMNS)
    for col in ("window", "start_episode", "end_episode", "layers", "units"):
        _require_integer(path, df, col)
    _require_numeric(path, df, "score")
    if df.empty:
        raise ResultsError(f"{path}: holds no architecture windows")
    if list(df["window"]) != list(range(len(df))):
        raise ResultsError(f"{path}: column 'window' must count 0, 1, 2, ... without gaps")
    return df


def read_evaluations(path: str | Path) -> pd.DataFrame:
    """Load evaluations.csv (possibly without rows, when evaluation is off) and check it."""
    path = Path(path)
    df = _read_csv(path, EVALUATION_COLUMNS)
    if df.empty:
        return df
    _require_integer(path, df, "episode")
    for col in ("mean_return", "min_return", "max_return"):
        _require_numeric(path, df, col)
        if not df[col].map(math.isfinite).all():
            raise ResultsError(f"{path}: column '{col}' holds a NaN or infinite value")
    if not df["episode"].is_monotonic_increasing or df["episode"].duplicated().any():
        raise ResultsError(f"{path}: column 'episode' must increase from row to row")
    return df


def read_run_json(path: str | Path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text(), object_pairs_hook=_no_duplicate_keys)
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc})") from None
    if "runs_in_job" not in data and "seeds_in_job" in data:  # written before runs of several agents shared a process
        data["runs_in_job"] = data["seeds_in_job"]
    for key, kind in (("agent", str), ("seed", int), ("wall_seconds", (int, float)), ("runs_in_job", int)):
        if not isinstance(data.get(key), kind):
            raise ResultsError(f"{path}: key '{key}' is missing or has the wrong type")
    return data


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"duplicate key(s) {', '.join(dup)}")
    return dict(pairs)


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, keep_default_na=True)
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not a readable CSV file ({exc})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    return df


def _require_numeric(path: Path, df: pd.DataFrame, col: str) -> None:
    if not pd.api.types.is_numeric_dtype(df[col]):
        raise ResultsError(f"{path}: column '{col}' must be numeric")


def _require_integer(path: Path, df: pd.DataFrame, col: str) -> None:
    if not pd.api.types.is_integer_dtype(df[col]):
        raise ResultsError(f"{path}: column '{col}' must hold integers without gaps")
