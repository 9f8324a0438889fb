"""docs/teams.md shows the permission matrix of baton/teams/roles.py, cell for cell."""

from __future__ import annotations

from pathlib import Path

from baton.teams import PERMISSIONS, Permission, Role

DOC = Path(__file__).parents[2] / "docs" / "teams.md"


def test_the_documented_matrix_is_the_one_in_the_code() -> None:
    text = DOC.read_text()
    table = text.split("<!-- permissions:")[1].split("<!-- /permissions -->")[0]
    rows = [line.strip().strip("|").split("|") for line in table.splitlines()[1:] if line]
    header, documented = rows[0], rows[2:]
    roles = [Role(cell.strip()) for cell in header[1:]]
    assert roles == list(Role)
    found = {
        Permission(cells[0].strip().strip("`")): {
            role for role, cell in zip(roles, cells[1:], strict=True) if cell.strip()
        }
        for cells in documented
    }
    assert found == {p: {r for r in Role if p in PERMISSIONS[r]} for p in Permission}
