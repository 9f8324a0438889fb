"""`baton journeys apply|list|stats` on both databases, with the documented example."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson

from baton.channels.template_store import list_templates, template_of
from baton.core.clock import ManualClock
from baton.core.formats import iso_instant
from baton.journeys.store import get_journey
from baton.storage.database import connect
from baton.workspaces import default_workspace_id
from tests.cli.conftest import Baton
from tests.identity.helpers import send
from tests.journeys.helpers import run
from tests.segments.helpers import track

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "cart-abandonment.yaml"


def test_apply_publish_list_and_stats(
    bootstrapped: Baton, tmp_path: Path, clock: ManualClock
) -> None:
    code, out, err = bootstrapped("journeys", "apply", str(EXAMPLE), "--publish")
    assert code == 0, err
    assert "created journey cart-abandonment (v1, published)" in out
    code, out, _ = bootstrapped("journeys", "apply", str(EXAMPLE), "--publish")
    assert "unchanged journey cart-abandonment (v1, published)" in out

    edited = tmp_path / "edited.yaml"
    edited.write_text(EXAMPLE.read_text().replace("duration: 1d", "duration: 2d"))
    code, out, _ = bootstrapped("journeys", "apply", str(edited))
    assert "updated journey cart-abandonment (v2, published)" in out
    assert "-    duration: 1d\n+    duration: 2d" in out

    code, out, _ = bootstrapped("journeys", "list")
    row = next(line for line in out.splitlines() if "cart-abandonment" in line)
    assert "published" in row
    assert row.index("v2") < row.index("v1")  # version, then the published one

    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    send(
        engine,
        clock,
        workspace_id,
        track("cli-shopper", "Product Added", clock.now(), {"price": 5, "cart_id": "k"}),
    )
    run(engine, clock)
    code, out, _ = bootstrapped("journeys", "stats", "cart-abandonment")
    assert code == 0
    assert "instances 1 (live 1)" in out
    wait_row = next(line for line in out.splitlines() if " wait " in line)
    cells = [cell.strip() for cell in wait_row.split("│") if cell.strip()]
    assert cells == ["wait", "1", "1", "0"]  # entered, waiting now, exited

    broken = tmp_path / "broken.yaml"
    broken.write_text(EXAMPLE.read_text().replace("next: later", "next: nowhere"))
    code, _, err = bootstrapped("journeys", "apply", str(broken))
    assert code == 1
    assert "nodes.email.next: no node named 'nowhere'" in err


def test_policy_apply_show_and_a_backtest_from_the_terminal(
    bootstrapped: Baton, tmp_path: Path, clock: ManualClock
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "caps: [{name: daily, max: 1, per: 1d}]\nquiet_hours: {start: '22:00', end: '07:00'}\n"
    )
    code, out, err = bootstrapped("policy", "apply", str(policy))
    assert code == 0, err
    assert "policy applied: 1 caps, quiet hours 22:00-07:00" in out
    code, out, _ = bootstrapped("policy", "show")
    assert "name: daily" in out
    assert "timezone: UTC" in out
    policy.write_text("caps: [{name: daily, max: -1, per: 1d}]\n")
    code, _, err = bootstrapped("policy", "apply", str(policy))
    assert code == 1
    assert "caps.0.max" in err

    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    start = clock.now()
    send(
        engine,
        clock,
        workspace_id,
        *(
            track(f"b{n}", "Product Added", start, {"cart_id": f"k{n}", "price": 9})
            for n in range(3)
        ),
    )
    run(engine, clock)
    assert bootstrapped("journeys", "apply", str(EXAMPLE))[0] == 0
    window = ["--from", start.date().isoformat(), "--to", (start + timedelta(days=3)).isoformat()]
    code, out, err = bootstrapped("journeys", "simulate", "cart-abandonment", *window)
    assert code == 0, err
    assert "3 events replayed, 3 entered" in " ".join(out.split())
    code, out, _ = bootstrapped("journeys", "simulate", "cart-abandonment", *window, "--json")
    report = orjson.loads(out)
    assert report["entered"] == 3
    assert report["messages"]["email"]["sent"] == 3
    code, _, err = bootstrapped(
        "journeys", "simulate", "cart-abandonment", "--from", "x", "--to", "y"
    )
    assert code == 2
    code, _, err = bootstrapped(
        "journeys", "simulate", "cart-abandonment", *window, "--version", "9"
    )
    assert code == 1
    assert "versions 1 to 1" in err
    engine.dispose()


def test_templates_apply_and_list(bootstrapped: Baton, tmp_path: Path) -> None:
    source = tmp_path / "templates.yaml"
    source.write_text(
        "templates:\n"
        "  - {key: welcome, channel: email, subject: 'Hi {{ profile.traits.name }}', text: x}\n"
        "  - {key: nudge, channel: sms, body: 'Back soon?'}\n"
    )
    code, out, err = bootstrapped("templates", "apply", str(source))
    assert code == 0, err
    assert "created template welcome" in out
    assert "created template nudge" in out
    created = bootstrapped.clock.now()
    bootstrapped.clock.advance(timedelta(minutes=5))
    source.write_text(source.read_text().replace("Back soon?", "Still there?"))
    code, out, _ = bootstrapped("templates", "apply", str(source))
    assert "unchanged template welcome" in out
    assert "-body: Back soon?\n+body: Still there?" in out
    code, out, _ = bootstrapped("templates", "messages")
    assert "welcome" in out
    assert "nudge" in out
    # Each invocation ran on the clock it was given, not the wall clock.
    with connect(bootstrapped.database_url).connect() as connection:
        workspace_id = default_workspace_id(connection)
        assert workspace_id is not None
        updated = {t["key"]: t["updated_at"] for t in list_templates(connection, workspace_id)}
    assert updated == {
        "welcome": iso_instant(created),
        "nudge": iso_instant(bootstrapped.clock.now()),
    }
    source.write_text("templates:\n  - {key: bad, channel: sms, body: '{{ nope }}'}\n")
    code, _, err = bootstrapped("templates", "apply", str(source))
    assert code == 1
    assert "templates.0.body: line 1, column 4: unknown variable 'nope'" in " ".join(err.split())


def test_templates_list_show_and_install_ready_journeys(bootstrapped: Baton) -> None:
    code, out, _ = bootstrapped("templates", "list", "--industry", "banking")
    assert code == 0
    assert "card-payment-failed" in out
    assert "cart-abandonment" not in out
    assert "welcome-onboarding" in out  # for any industry
    code, out, _ = bootstrapped("templates", "show", "cart-abandonment")
    assert code == 0
    assert "discount_code" in out
    assert "COMEBACK10" in out
    code, out, err = bootstrapped(
        "templates", "install", "cart-abandonment", "--set", "discount_code=SAVE5"
    )
    assert code == 0, err
    assert "published journey cart-abandonment" in out
    assert "created message template cart-reminder-incentive" in out
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
        assert workspace_id is not None
        incentive = template_of(connection, workspace_id, "cart-reminder-incentive")
        journey = get_journey(connection, workspace_id, "cart-abandonment")
    assert "SAVE5" in (incentive.subject or "")
    assert journey.status.value == "published"
    code, out, _ = bootstrapped(
        "templates", "install", "cart-abandonment", "--set", "discount_code=SAVE5"
    )
    assert "unchanged journey cart-abandonment" in out
    code, _, err = bootstrapped("templates", "install", "cart-abandonment", "--set",
                          "first_delay=soon")  # fmt: skip
    assert code == 1
    assert "journeys.0.nodes.first-wait.duration" in err
    code, _, err = bootstrapped("templates", "install", "nope")
    assert code == 1
    assert "no journey template named 'nope'" in err
