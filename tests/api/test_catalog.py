"""The product catalogue over real HTTP on both databases: items created, replaced, read,
paged and deleted, each change in the audit trail; a CSV import that saves good rows and
names each bad row and column; bad input of every kind a 4xx, never a 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from baton.storage.tables import audit_log
from tests.api.test_list_pages import assert_pages
from tests.api.test_profiles import bearer
from tests.conftest import Workspace

SCARF = {"name": "Wool scarf", "price": 29.5, "attributes": {"url": "https://shop.example/s"}}


def test_items_are_created_replaced_read_paged_and_deleted(
    client: httpx.Client, workspace: Workspace, engine: Engine
) -> None:
    admin = bearer(workspace.admin_token)
    made = client.put("/api/v1/catalog/scarf", json=SCARF, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json() == {
        "id": "scarf",
        "name": "Wool scarf",
        "price": 29.5,
        "in_stock": True,
        "attributes": {"url": "https://shop.example/s"},
        "updated_at": made.json()["updated_at"],
    }
    same = client.put("/api/v1/catalog/scarf", json=SCARF, headers=admin)
    assert same.status_code == 200
    sold_out = client.put("/api/v1/catalog/scarf", json={**SCARF, "in_stock": False}, headers=admin)
    assert sold_out.json()["in_stock"] is False
    assert client.get("/api/v1/catalog/scarf", headers=admin).json() == sold_out.json()
    as_yaml = client.put(
        "/api/v1/catalog/hat",
        content="name: Bobble hat\nprice: 12\n",
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert as_yaml.status_code == 201, as_yaml.text
    for item_id in ("cc", "aa", "bb"):
        client.put(f"/api/v1/catalog/{item_id}", json={"name": item_id.upper()}, headers=admin)
    items = assert_pages(client, "/api/v1/catalog", admin, "id", ["aa", "bb", "cc", "hat", "scarf"])
    assert items[4] == sold_out.json()
    assert client.delete("/api/v1/catalog/scarf", headers=admin).status_code == 204
    gone = client.get("/api/v1/catalog/scarf", headers=admin)
    assert gone.status_code == 404
    assert client.delete("/api/v1/catalog/scarf", headers=admin).status_code == 404
    with engine.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action, audit_log.c.object_id)
            .where(audit_log.c.workspace_id == workspace.id, audit_log.c.object_id == "scarf")
            .order_by(audit_log.c.at, audit_log.c.id)
        ).all()
    # The unchanged save is no change.
    assert [tuple(a) for a in actions] == [
        ("catalog.save", "scarf"),
        ("catalog.save", "scarf"),
        ("catalog.delete", "scarf"),
    ]


@pytest.mark.parametrize(
    ("item_id", "body", "field"),
    [
        ("x", {"price": 3}, "name"),
        ("x", {"name": " "}, "name"),
        ("x", {"name": "n" * 501}, "name"),
        ("x", {"name": "N", "price": -1}, "price"),
        ("x", {"name": "N", "price": 1e13}, "price"),
        ("x", {"name": "N", "price": "cheap"}, "price"),
        ("x", {"name": "N", "in_stock": "yes"}, "in_stock"),
        ("x", {"name": "N", "colour": "red"}, "colour"),
        ("x", {"name": "N\u0000"}, "name"),
        ("x", {"name": "N", "attributes": {"a\u0000": 1}}, "attributes"),
        ("x", {"name": "N", "attributes": {f"k{n}": n for n in range(51)}}, "attributes"),
        ("x", {"name": "N", "attributes": {"k": "v" * 17_000}}, "attributes"),
        ("i" * 201, {"name": "N"}, "item_id"),
        ("%20", {"name": "N"}, "item_id"),
    ],
)
def test_a_bad_item_is_refused_naming_its_field(
    client: httpx.Client, workspace: Workspace, item_id: str, body: dict[str, Any], field: str
) -> None:
    answer = client.put(
        f"/api/v1/catalog/{item_id}", json=body, headers=bearer(workspace.admin_token)
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"].startswith(field)


CSV = """item_id,name,price,in_stock,url,colour
sku-1,Red sneakers,59.90,yes,https://shop.example/1,red
sku-2,Wool scarf,,no,https://shop.example/2,
sku-3,,10,yes,,
sku-4,Hat,cheap,yes,,
sku-5,Gloves,5,maybe,,
sku-6,Socks,-2,yes,,
sku-1,Red sneakers again,1,yes,,
,Nameless id,1,yes,,
"sku-7","Quoted, with a comma",7,1,,blue
sku-8,Too,many,values,here,x,y

"""


def test_a_csv_import_saves_good_rows_and_names_each_bad_row_and_column(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    answer = client.post("/api/v1/catalog/import", json={"csv": CSV}, headers=admin)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    assert report["rejected"] == 7
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (4, "name"),
        (5, "price"),
        (6, "in_stock"),
        (7, "price"),
        (8, "item_id"),
        (9, "item_id"),
        (11, None),
    ]
    assert "repeats the id of row 2" in report["errors"][4]["message"]
    listed = client.get("/api/v1/catalog", headers=admin).json()["items"]
    assert [(i["id"], i["name"], i["price"], i["in_stock"], i["attributes"]) for i in listed] == [
        ("sku-1", "Red sneakers", 59.9, True, {"url": "https://shop.example/1", "colour": "red"}),
        ("sku-2", "Wool scarf", None, False, {"url": "https://shop.example/2"}),
        ("sku-7", "Quoted, with a comma", 7.0, True, {"colour": "blue"}),
    ]
    again = client.post("/api/v1/catalog/import", json={"csv": CSV.replace("59.90", "49")},
                        headers=admin).json()  # fmt: skip
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    by_id = "id,name\nsku-9,Belt\n"
    assert (
        client.post("/api/v1/catalog/import", json={"csv": by_id}, headers=admin).json()["created"]
        == 1
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the first row must name the columns"),
        ("name,price\nHat,3\n", "no item_id"),
        ("item_id,price\nh,3\n", "no name column"),
        ("item_id,name,name\nh,Hat,Hat\n", "appears twice"),
        ("item_id,name," + ",".join(f"c{n}" for n in range(60)) + "\n", "at most 54 columns"),
        ("item_id,name\n" + "".join(f"i{n},N\n" for n in range(10_001)), "at most 10000 rows"),
        ('item_id,name\n"unclosed,Hat\n', "csv: line"),
        ("item_id,name\nh,Hat\u0000\n", "NUL"),
    ],
)
def test_a_csv_that_cannot_be_read_is_refused_whole(
    client: httpx.Client, workspace: Workspace, text: str, message: str
) -> None:
    admin = bearer(workspace.admin_token)
    answer = client.post("/api/v1/catalog/import", json={"csv": text}, headers=admin)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]["message"]
    assert answer.json()["error"]["field"] == "csv"
    assert client.get("/api/v1/catalog", headers=admin).json()["items"] == []


def test_import_bodies_of_the_wrong_shape_are_4xx(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    for body in ({}, {"csv": 3}, {"csv": "id,name\n", "extra": 1}, {"csv": "x" * 1_100_000}):
        answer = client.post("/api/v1/catalog/import", json=body, headers=admin)
        assert 400 <= answer.status_code < 500, answer.text
    as_text = client.post("/api/v1/catalog/import", content="id,name\na,A\n",
                          headers={**admin, "Content-Type": "text/csv"})  # fmt: skip
    assert as_text.status_code == 400
