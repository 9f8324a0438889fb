"""Report figures as CSV, for the command line and for downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] = ()) -> str:
    """The rows under a header of the first row's keys, or of `columns` when there are
    no rows."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()
