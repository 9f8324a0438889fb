"""Bulk import: NDJSON of Segment messages, or CSV of profiles turned into identify calls.

Good rows are stored through the same path as the HTTP API; bad rows are reported with
their line numbers and do not stop the import. Re-importing a file is harmless: CSV rows
get a message id derived from their content, and NDJSON messages keep theirs.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from baton.core.clock import Clock
from baton.core.errors import BatonError, InvalidInput
from baton.ingest.messages import Message, parse_message
from baton.ingest.store import store_messages

_CHUNK = 500
Progress = Callable[[int], None]  # called with bytes read since the last call

# CSV columns recognized without a mapping (case-insensitive) and what they become.
_DEFAULT_COLUMNS = {
    "userid": "userId",
    "user_id": "userId",
    "anonymousid": "anonymousId",
    "anonymous_id": "anonymousId",
    "email": "traits.email",
    "phone": "traits.phone",
}


@dataclass
class ImportReport:
    accepted: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def import_ndjson(
    engine: Engine, workspace_id: str, path: Path, clock: Clock, progress: Progress | None = None
) -> ImportReport:
    def messages() -> Iterator[tuple[int, Message | str]]:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if progress:
                    progress(len(line))
                if not line.strip():
                    continue
                try:
                    raw = orjson.loads(line)
                    yield (
                        number,
                        parse_message(raw, received_at=clock.now(), ip=None, size=len(line)),
                    )
                except orjson.JSONDecodeError as error:
                    yield number, f"not valid JSON: {error}"
                except BatonError as error:
                    yield number, _describe(error)

    return _store_all(engine, workspace_id, messages())


def import_csv(
    engine: Engine,
    workspace_id: str,
    path: Path,
    clock: Clock,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """`mapping` maps a CSV column to `userId`, `anonymousId` or `traits.<name>`; unmapped
    columns become traits under their own name."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    columns = _column_targets(reader.fieldnames or [], mapping or {})

    def messages() -> Iterator[tuple[int, Message | str]]:
        for row in reader:
            number = reader.line_num
            if progress:
                progress(sum(len(value or "") + 1 for value in row.values()))
            try:
                yield number, _identify_from_row(row, columns, clock)
            except BatonError as error:
                yield number, _describe(error)

    return _store_all(engine, workspace_id, messages())


def _column_targets(header: Sequence[str], mapping: Mapping[str, str]) -> dict[str, str]:
    unknown = [column for column in mapping if column not in header]
    if unknown:
        raise InvalidInput(f"mapped columns not in the CSV header: {', '.join(unknown)}")
    targets = {}
    for column in header:
        target = mapping.get(column) or _DEFAULT_COLUMNS.get(column.lower()) or f"traits.{column}"
        if target not in ("userId", "anonymousId") and not target.startswith("traits."):
            raise InvalidInput(
                f"column {column!r} maps to {target!r}; use userId, anonymousId or traits.NAME"
            )
        targets[column] = target
    return targets


def _identify_from_row(
    row: Mapping[str, str | None], columns: Mapping[str, str], clock: Clock
) -> Message:
    raw: dict[str, Any] = {"type": "identify", "traits": {}}
    for column, target in columns.items():
        value = (row.get(column) or "").strip()
        if not value:
            continue
        if target.startswith("traits."):
            raw["traits"][target.removeprefix("traits.")] = value
        else:
            raw[target] = value
    if "userId" not in raw and "anonymousId" not in raw:
        contact = raw["traits"].get("email") or raw["traits"].get("phone")
        if not contact:
            raise InvalidInput("the row has no user id, anonymous id, e-mail or phone")
        # A stable anonymous id, so the row still resolves by its e-mail or phone.
        raw["anonymousId"] = "csv-" + hashlib.sha256(contact.lower().encode()).hexdigest()[:24]
    raw["messageId"] = (
        "csv-" + hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
    )
    return parse_message(raw, received_at=clock.now(), ip=None, size=0)


def _store_all(
    engine: Engine, workspace_id: str, results: Iterator[tuple[int, Message | str]]
) -> ImportReport:
    report = ImportReport()
    pending: list[Message] = []
    for number, result in results:
        if isinstance(result, str):
            report.errors.append((number, result))
            continue
        pending.append(result)
        if len(pending) >= _CHUNK:
            store_messages(engine, workspace_id, pending)
            report.accepted += len(pending)
            pending = []
    store_messages(engine, workspace_id, pending)
    report.accepted += len(pending)
    return report


def _describe(error: BatonError) -> str:
    return f"{error.field}: {error.message}" if error.field else error.message
