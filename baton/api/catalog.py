"""Admin API for the product catalogue recommendations choose from: items by id, and a
CSV import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from baton.api.audit import unless_missing
from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.predict.catalog import (
    CatalogItem,
    check_item_id,
    delete_item,
    get_item,
    import_csv,
    items_page,
    parse_item,
    save_item,
)
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"], route_class=DocumentRoute)
ItemDocument = Annotated[dict[str, Any], described_by(CatalogItem)]
# The admin API takes bodies of up to 1 MB (baton/api/limits.py): the CSV fits within.
CSV_CHARACTERS = 1024 * 1024


class CsvImport(BaseModel):
    """A CSV file's text: a header row, then one item a row."""

    model_config = ConfigDict(extra="forbid")

    csv: str = Field(max_length=CSV_CHARACTERS)


@router.get("", summary="The catalogue's items by id, in pages")
def list_items(
    request: Request, workspace_id: AdminWorkspace, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = items_page(connection, workspace_id, after, limit)
    return JSONBody(page_json(page.items, page.after))


@router.post("/import", summary="Create or replace items from a CSV file")
def import_items(
    request: Request, workspace_id: AdminWorkspace, who: Staff, body: CsvImport
) -> JSONBody:
    """Columns: `item_id` (or `id`, `product_id`), `name`, optional `price` and
    `in_stock`; the others become attributes. Good rows are saved; the answer counts them
    and names each bad row (the header is row 1) and its column."""
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        report = import_csv(connection, workspace_id, body.csv, now)
        record(connection, workspace_id, who.actor, "catalog.import", now,
               object_type="catalog", detail=report.json())  # fmt: skip
    return JSONBody(report.json())


@router.get("/{item_id}", summary="An item")
def get_one(request: Request, workspace_id: AdminWorkspace, item_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(get_item(connection, workspace_id, item_id))


@router.put("/{item_id}", summary="Create or replace an item")
def put_item(
    request: Request, workspace_id: AdminWorkspace, who: Staff, item_id: str, body: ItemDocument
) -> JSONBody:
    item = parse_item(body)
    check_item_id(item_id)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        before = unless_missing(lambda: get_item(connection, workspace_id, item_id))
        saved = save_item(connection, workspace_id, item_id, item, now)
        after = get_item(connection, workspace_id, item_id)
        if not saved.unchanged:
            record(
                connection,
                workspace_id,
                who.actor,
                "catalog.save",
                now,
                object_type="catalog_item",
                object_id=item_id,
                before=before,
                after=after,
            )
    return JSONBody(after, 201 if saved.created else 200)


@router.delete("/{item_id}", status_code=204, summary="Delete an item")
def delete_one(
    request: Request, workspace_id: AdminWorkspace, who: Staff, item_id: str
) -> Response:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        before = get_item(connection, workspace_id, item_id)
        delete_item(connection, workspace_id, item_id)
        record(connection, workspace_id, who.actor, "catalog.delete", now,
               object_type="catalog_item", object_id=item_id, before=before)  # fmt: skip
    return Response(status_code=204)
