"""`baton segments apply|list|members` on both databases."""

from __future__ import annotations

from pathlib import Path

from baton.api.profiles import profile_json
from baton.core.clock import ManualClock
from baton.identity.profiles import find_profile
from baton.storage.database import connect
from baton.workspaces import default_workspace_id
from tests.cli.conftest import Baton
from tests.identity.helpers import send
from tests.segments.helpers import track

DEFINITIONS = """
computed_traits:
  - key: orders
    name: Orders
    kind: count
    event: Order Completed
segments:
  - key: buyers
    name: Buyers
    condition:
      computed: orders
      op: gte
      value: {threshold}
"""


def test_apply_is_idempotent_and_prints_a_diff_of_changes(
    bootstrapped: Baton,
    tmp_path: Path,
    clock: ManualClock,
) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    orders = [
        track("cli-1", "Order Completed", clock.now()),
        track("cli-2", "Signed Up", clock.now()),
    ]
    send(engine, clock, workspace_id, *orders)

    file = tmp_path / "segments.yaml"
    file.write_text(DEFINITIONS.format(threshold=1))
    code, out, _ = bootstrapped("segments", "apply", str(file))
    assert code == 0, out
    assert "created computed trait orders (v1)" in out
    assert "created segment buyers (v1)" in out

    code, out, _ = bootstrapped("segments", "apply", str(file))
    assert "unchanged segment buyers (v1)" in out
    assert "unchanged computed trait orders (v1)" in out

    code, out, _ = bootstrapped("segments", "members", "buyers")
    assert code == 0
    with engine.connect() as connection:
        buyer = find_profile(connection, workspace_id, "cli-1", "US")
        buyer = profile_json(connection, workspace_id, buyer)
    assert out.split() == [buyer["id"]]
    assert buyer["computed"]["orders"] == 1
    assert [s["key"] for s in buyer["segments"]] == ["buyers"]

    file.write_text(DEFINITIONS.format(threshold=2))
    code, out, _ = bootstrapped("segments", "apply", str(file))
    assert "updated segment buyers (v2)" in out
    assert "-  value: 1\n+  value: 2" in out
    code, out, _ = bootstrapped("segments", "members", "buyers")
    assert out.strip() == ""

    code, out, _ = bootstrapped("segments", "list")
    assert "buyers" in out
    assert "orders" in out
    assert "live" in out


def test_apply_reports_the_offending_field(
    bootstrapped: Baton,
    tmp_path: Path,
) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(
        "segments:\n  - key: bad\n    name: Bad\n    condition: {trait: plan, op: gt}\n"
    )
    code, _, err = bootstrapped("segments", "apply", str(file))
    assert code == 1
    assert "segments.0.condition" in err
    assert "gt takes a number" in err
    code, _, err = bootstrapped("segments", "members", "nope")
    assert code == 1
    assert "no segment 'nope'" in err
