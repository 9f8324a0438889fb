"""`baton broadcasts apply|list|show|cancel` on both databases, with the documented example."""

from __future__ import annotations

from pathlib import Path

from baton.campaigns import get_broadcast
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.segments import Kind
from baton.storage.database import connect, write_transaction
from baton.workspaces import default_workspace_id
from tests.cli.conftest import Baton
from tests.segments.helpers import define

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "broadcast.yaml"


def test_apply_send_list_show_and_cancel(
    bootstrapped: Baton, tmp_path: Path, clock: ManualClock
) -> None:
    code, out, err = bootstrapped("broadcasts", "apply", str(EXAMPLE))
    assert code == 0, err
    assert "created broadcast december-news (draft)" in out
    code, _, err = bootstrapped("broadcasts", "apply", str(EXAMPLE), "--send")
    assert code == 1
    assert "template: no template 'december-news'" in err

    engine = connect(bootstrapped.database_url)
    with write_transaction(engine) as connection:
        workspace_id = default_workspace_id(connection)
        assert workspace_id is not None
        for key in ("december-news", "december-news-festive"):
            template = {"key": key, "channel": "email", "subject": "News", "html": "<p>Hi</p>"}
            save_template(connection, workspace_id, parse_template(template), clock.now())
    condition = {"trait": "newsletter", "op": "equals", "value": True}
    define(engine, clock, workspace_id, Kind.SEGMENT,
           {"key": "subscribers", "name": "Subscribers", "condition": condition})  # fmt: skip
    code, out, err = bootstrapped("broadcasts", "apply", str(EXAMPLE), "--send")
    assert code == 0, err
    assert "updated broadcast december-news (sending)" in out

    code, out, _ = bootstrapped("broadcasts", "list")
    row = next(line for line in out.splitlines() if "december-news" in line)
    assert "sending" in row
    code, out, _ = bootstrapped("broadcasts", "show", "december-news")
    assert code == 0
    assert "broadcast december-news: sending" in out

    code, out, _ = bootstrapped("broadcasts", "cancel", "december-news")
    assert (code, out.strip()) == (0, "cancelled broadcast december-news")
    with engine.connect() as connection:
        assert get_broadcast(connection, workspace_id, "december-news").status == "cancelled"
    code, _, err = bootstrapped("broadcasts", "cancel", "december-news")
    assert code == 1
    assert "is cancelled" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text(EXAMPLE.read_text().replace("sample: 0.2", "sample: 2"))
    code, _, err = bootstrapped("broadcasts", "apply", str(broken))
    assert code == 1
    assert "ab_test.sample" in err
    engine.dispose()
