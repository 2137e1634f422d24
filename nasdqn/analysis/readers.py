"""Reading a results table: the errors a missing, unreadable or incomplete CSV file gives, in one place."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from nasdqn.settings.errors import ResultsError


def read_table(path: Path, columns: list[str] | tuple[str, ...] = (), missing: str = "missing", **read_csv: Any) -> pd.DataFrame:
    """pd.read_csv(path, **read_csv), or a ResultsError naming the file: `missing` when it does not
    exist, unreadable, or lacking any of `columns`."""
    try:
        df = pd.read_csv(path, **read_csv)
    except FileNotFoundError:
        raise ResultsError(f"{path}: {missing}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not a readable CSV file ({exc})") from None
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        raise ResultsError(f"{path}: missing column(s) {', '.join(lacking)}; expected {', '.join(columns)}")
    return df
