"""The items recommended to profiles, as message templates read them:
`recommendations.<key>` is the profile's list from the prediction `<key>`, best first,
each item a mapping of its catalogue entry (`id`, `name`, `price`, `in_stock` and its
attributes, such as `url` or `image`).

Only items the catalogue holds are shown (a template has nothing else to say about
them), and only those in stock when the prediction filters on stock: an item may have
sold out since the scores were written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, select

from baton.core.batches import chunked
from baton.predict.catalog import items_by_id
from baton.storage.database import among
from baton.storage.tables import prediction_scores, predictions

# A key standing for every recommendations prediction (a template reading the mapping
# whole, or by a key it computes).
EVERY = "*"
KIND = "recommendations"
_BATCH = 500


def recommended_items(
    connection: Connection, workspace_id: str, profile_ids: Sequence[str], keys: Collection[str]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """For each profile, each of the predictions named by `keys` (or all, with EVERY) to
    the items it recommends them; a prediction with nothing for the profile gives []."""
    query = select(predictions.c.id, predictions.c.key, predictions.c.definition).where(
        predictions.c.workspace_id == workspace_id, predictions.c.kind == KIND
    )
    if EVERY not in keys:
        query = query.where(predictions.c.key.in_(sorted(keys)))
    found = {row.id: row for row in connection.execute(query)}
    chosen: dict[str, dict[str, list[str]]] = {p: {} for p in profile_ids}
    for batch in chunked(sorted(set(profile_ids)), _BATCH) if found else ():
        rows = connection.execute(
            select(
                prediction_scores.c.prediction_id,
                prediction_scores.c.profile_id,
                prediction_scores.c.detail,
            ).where(
                among(prediction_scores.c.prediction_id, sorted(found), connection.dialect),
                among(prediction_scores.c.profile_id, batch, connection.dialect),
            )
        )
        for prediction_id, profile_id, detail in rows:
            items = detail.get("items") if isinstance(detail, dict) else None
            if isinstance(items, list):
                key = found[prediction_id].key
                chosen[profile_id][key] = [i for i in items if isinstance(i, str)]
    catalogue = items_by_id(
        connection,
        workspace_id,
        {item for mine in chosen.values() for items in mine.values() for item in items},
    )
    in_stock_only = {row.key: _filters_stock(row.definition) for row in found.values()}
    named: dict[str, list[dict[str, Any]]] = {key: [] for key in keys if key != EVERY}
    return {
        profile_id: named
        | {
            key: [
                _item(catalogue[item])
                for item in chosen[profile_id].get(key, [])
                if item in catalogue and (catalogue[item].in_stock or not in_stock_only[key])
            ]
            for key in in_stock_only
        }
        for profile_id in profile_ids
    }


def _filters_stock(definition: Any) -> bool:
    filters = definition.get("filters") if isinstance(definition, dict) else None
    return not isinstance(filters, dict) or filters.get("in_stock", True) is not False


def _item(row: Any) -> dict[str, Any]:
    attributes = row.attributes if isinstance(row.attributes, dict) else {}
    return {
        **attributes,
        "id": row.item_id,
        "name": row.name,
        "price": row.price,
        "in_stock": row.in_stock,
    }
