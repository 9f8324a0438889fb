"""The product catalogue recommendations choose from: items by id per workspace, with a
name, a price, whether they are in stock and free attributes (url, image, brand...).

Items are saved one at a time (the API's PUT) or many at once (a CSV import, in batches).
Every value is bounded and checked before it is stored, with errors naming the field, or
for a CSV the row and column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from baton.core.batches import chunked
from baton.core.errors import InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.core.paging import Page
from baton.core.validation import refuse_nul, validated
from baton.storage.database import among
from baton.storage.tables import catalog_items

ID_LENGTH = 200
NAME_LENGTH = 500
MOST_ATTRIBUTES = 50
ATTRIBUTE_KEY_LENGTH = 100
# Of an item's attributes as JSON: a URL, an image, a few facets fit many times over.
ATTRIBUTE_BYTES = 16 * 1024
MOST_PRICE = 1e12
# A CSV import: its rows, its columns, and the errors it reports (the rest are counted).
MOST_ROWS = 10_000
MOST_COLUMNS = MOST_ATTRIBUTES + 4
MOST_ERRORS = 100
_BATCH = 500
_ID_COLUMNS = ("item_id", "id", "product_id")
_KNOWN_COLUMNS = frozenset({*_ID_COLUMNS, "name", "price", "in_stock"})
_TRUE = frozenset({"true", "yes", "1", "y", "in stock"})
_FALSE = frozenset({"false", "no", "0", "n", "out of stock"})


class CatalogItem(BaseModel):
    """An item as the API takes it; its id is the URL's (or the CSV row's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
    price: Annotated[float | None, Field(ge=0, le=MOST_PRICE, allow_inf_nan=False)] = None
    in_stock: StrictBool = True
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the item a name")
        return value

    @field_validator("attributes")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MOST_ATTRIBUTES:
            raise ValueError(f"at most {MOST_ATTRIBUTES} attributes")
        long = next((key for key in value if len(key) > ATTRIBUTE_KEY_LENGTH), None)
        if long is not None or "" in value:
            raise ValueError(f"attribute names have 1 to {ATTRIBUTE_KEY_LENGTH} characters")
        try:
            size = len(orjson.dumps(value))
        except orjson.JSONEncodeError as error:
            raise ValueError(f"attributes must be JSON: {error}") from None
        if size > ATTRIBUTE_BYTES:
            raise ValueError(f"attributes take at most {ATTRIBUTE_BYTES} bytes as JSON")
        return value


def check_item_id(item_id: str) -> str:
    """The id, or InvalidInput: 1 to 200 characters, not only spaces, no NUL."""
    if not item_id.strip() or len(item_id) > ID_LENGTH:
        raise InvalidInput(f"item_id: give 1 to {ID_LENGTH} characters", field="item_id")
    refuse_nul(item_id, "item_id")
    return item_id


def parse_item(data: Any) -> CatalogItem:
    """An item from its JSON form; InvalidInput naming the field at fault."""
    refuse_nul(data)
    return validated(CatalogItem, data)


def item_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.item_id,
        "name": row.name,
        "price": row.price,
        "in_stock": row.in_stock,
        "attributes": row.attributes,
        "updated_at": iso_instant(row.updated_at),
    }


@dataclass(frozen=True)
class Saved:
    """How many items a save created, changed and found as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def save_item(
    connection: Connection, workspace_id: str, item_id: str, item: CatalogItem, now: datetime
) -> Saved:
    """Create or replace one item."""
    return save_items(connection, workspace_id, [(item_id, item)], now)


def save_items(
    connection: Connection,
    workspace_id: str,
    items: Sequence[tuple[str, CatalogItem]],
    now: datetime,
) -> Saved:
    """Create or replace items by id, in batches; the last of a repeated id wins."""
    wanted = {check_item_id(item_id): item for item_id, item in items}
    created = updated = unchanged = 0
    for batch in chunked(sorted(wanted), _BATCH):
        stored = {
            row.item_id: row
            for row in connection.execute(
                select(catalog_items).where(
                    catalog_items.c.workspace_id == workspace_id,
                    among(catalog_items.c.item_id, batch, connection.dialect),
                )
            )
        }
        new, changed = [], []
        for item_id in batch:
            values = _values(wanted[item_id])
            row = stored.get(item_id)
            if row is None:
                new.append({"workspace_id": workspace_id, "item_id": item_id, **values})
            elif {name: getattr(row, name) for name in values} != values:
                changed.append({"b_item_id": item_id, **values})
        if new:
            connection.execute(insert(catalog_items), [{**v, "updated_at": now} for v in new])
        if changed:
            connection.execute(
                update(catalog_items)
                .where(
                    catalog_items.c.workspace_id == workspace_id,
                    catalog_items.c.item_id == bindparam("b_item_id"),
                )
                .values(updated_at=now),
                changed,
            )
        created, updated = created + len(new), updated + len(changed)
        unchanged += len(batch) - len(new) - len(changed)
    return Saved(created, updated, unchanged)


def _values(item: CatalogItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "price": item.price,
        "in_stock": item.in_stock,
        "attributes": item.attributes,
    }


def get_item(connection: Connection, workspace_id: str, item_id: str) -> dict[str, Any]:
    """The item as JSON; NotFound when the catalogue has no such id."""
    check_item_id(item_id)
    row = connection.execute(
        select(catalog_items).where(
            catalog_items.c.workspace_id == workspace_id, catalog_items.c.item_id == item_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no catalogue item {item_id!r}", field="item_id")
    return item_json(row)


def items_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[dict[str, Any], str]:
    """The items as JSON by id, from the one after the id `after`."""
    query = select(catalog_items).where(catalog_items.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(catalog_items.c.item_id > after)
    rows = connection.execute(query.order_by(catalog_items.c.item_id).limit(limit + 1)).all()
    page = rows[:limit]
    return Page([item_json(row) for row in page], page[-1].item_id if len(rows) > limit else None)


def delete_item(connection: Connection, workspace_id: str, item_id: str) -> None:
    get_item(connection, workspace_id, item_id)
    connection.execute(
        delete(catalog_items).where(
            catalog_items.c.workspace_id == workspace_id, catalog_items.c.item_id == item_id
        )
    )


def items_by_id(
    connection: Connection, workspace_id: str, item_ids: Iterable[str]
) -> dict[str, Any]:
    """The stored rows of those of `item_ids` the catalogue holds."""
    found: dict[str, Any] = {}
    for batch in chunked(sorted(set(item_ids)), _BATCH):
        rows = connection.execute(
            select(catalog_items).where(
                catalog_items.c.workspace_id == workspace_id,
                among(catalog_items.c.item_id, batch, connection.dialect),
            )
        )
        found.update((row.item_id, row) for row in rows)
    return found


@dataclass(frozen=True)
class Stock:
    """What recommendations may choose from: every item the catalogue holds, and those of
    them in stock (both empty when the catalogue is)."""

    items: frozenset[str]
    in_stock: frozenset[str]


def stock(connection: Connection, workspace_id: str) -> Stock:
    rows = connection.execute(
        select(catalog_items.c.item_id, catalog_items.c.in_stock).where(
            catalog_items.c.workspace_id == workspace_id
        )
    ).all()
    return Stock(
        frozenset(item_id for item_id, _ in rows),
        frozenset(item_id for item_id, in_stock in rows if in_stock),
    )


@dataclass
class ImportReport:
    """What a CSV import did: the counts of its saves, and its bad rows (the first
    MOST_ERRORS of them, each with its row and column; `rejected` counts all)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.errors,
        }


class _RowError(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def import_csv(connection: Connection, workspace_id: str, text: str, now: datetime) -> ImportReport:
    """Save the items of a CSV with a header row: `item_id` (or `id`, `product_id`),
    `name`, optional `price` and `in_stock`; every other column is an attribute. Good rows
    are saved, bad ones reported with their row (the header is row 1) and column; a
    header without an id or a name, or too many rows or columns, refuses the whole file."""
    refuse_nul(text, "csv")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    try:
        header = [column.strip() for column in next(reader, [])]
        id_column = _header(header)
        items: dict[str, tuple[int, CatalogItem]] = {}
        report = ImportReport()
        for number, values in enumerate(reader, start=2):
            if number > MOST_ROWS + 1:
                raise InvalidInput(f"csv: at most {MOST_ROWS} rows a file", field="csv")
            if not any(value.strip() for value in values):
                continue
            try:
                item_id, item = _row(header, id_column, values)
                if item_id in items:
                    raise _RowError(id_column, f"repeats the id of row {items[item_id][0]}")
            except _RowError as error:
                report.rejected += 1
                if len(report.errors) < MOST_ERRORS:
                    report.errors.append(
                        {"row": number, "column": error.column, "message": error.message}
                    )
                continue
            items[item_id] = (number, item)
    except csv.Error as error:
        raise InvalidInput(f"csv: line {reader.line_num}: {error}", field="csv") from None
    saved = save_items(connection, workspace_id, [(k, v) for k, (_, v) in items.items()], now)
    report.created, report.updated, report.unchanged = saved.created, saved.updated, saved.unchanged
    return report


def _header(header: list[str]) -> str:
    if not any(header):
        raise InvalidInput("csv: the first row must name the columns", field="csv")
    if len(header) > MOST_COLUMNS:
        raise InvalidInput(f"csv: at most {MOST_COLUMNS} columns", field="csv")
    repeated = next((c for i, c in enumerate(header) if c in header[:i]), None)
    if repeated is not None:
        raise InvalidInput(f"csv: the column {repeated!r} appears twice", field="csv")
    id_column = next((column for column in _ID_COLUMNS if column in header), None)
    if id_column is None:
        raise InvalidInput("csv: no item_id (or id, product_id) column", field="csv")
    if "name" not in header:
        raise InvalidInput("csv: no name column", field="csv")
    unnamed = next((i for i, c in enumerate(header) if not c or len(c) > 100), None)
    if unnamed is not None:
        message = f"csv: column {unnamed + 1} needs a name of 1 to 100 characters"
        raise InvalidInput(message, field="csv")
    return id_column


def _row(header: list[str], id_column: str, values: list[str]) -> tuple[str, CatalogItem]:
    if len(values) > len(header):
        raise _RowError(None, f"has {len(values)} values for {len(header)} columns")
    row: Mapping[str, str] = dict(zip(header, (v.strip() for v in values), strict=False))
    item_id = row.get(id_column, "")
    if not item_id or len(item_id) > ID_LENGTH:
        raise _RowError(id_column, f"give an id of 1 to {ID_LENGTH} characters")
    name = row.get("name", "")
    if not name or len(name) > NAME_LENGTH:
        raise _RowError("name", f"give a name of 1 to {NAME_LENGTH} characters")
    attributes = {c: v for c, v in row.items() if c not in _KNOWN_COLUMNS and v}
    try:
        item = CatalogItem(
            name=name,
            price=_price(row.get("price", "")),
            in_stock=_in_stock(row.get("in_stock", "")),
            attributes=attributes,
        )
    except ValidationError as error:  # of the attributes: every other field is checked
        message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise _RowError(None, message) from None
    return item_id, item


def _price(text: str) -> float | None:
    if not text:
        return None
    try:
        price = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        price = math.nan
    if not 0 <= price <= MOST_PRICE:  # NaN fails both
        raise _RowError("price", f"{text[:40]!r} is not a price from 0 to {MOST_PRICE:.0f}")
    return price


def _in_stock(text: str) -> bool:
    lowered = text.lower()
    if not lowered or lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _RowError("in_stock", f"{text[:40]!r} is not true or false (yes, no, 1, 0)")
