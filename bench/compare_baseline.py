"""A bench's figures beside the stored baseline, so a regression shows at once.

Reads a bench's output on stdin, passes it through, and after each JSON line with a
`bench` key prints every figure it shares with the baseline of the same bench and run
(`bench/baseline/<bench>-<database>.jsonl`, the last line whose text fields match): the
baseline, the new figure, the change, and REGRESSION where it is worse by more than the
tolerance. `--save` appends the new lines to the baseline instead.

    python -m bench.ingest --database sqlite | python -m bench.compare_baseline
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

BASELINES = Path(__file__).parent / "baseline"
# Numbers that set up a run rather than measure it: they must match for a comparison.
SETTINGS = {"events", "profiles", "batch_size", "clients", "single_track_rate_per_s"}


def better_when(name: str) -> str | None:
    """Whether more or less of a figure is better, from its unit; None for a setting."""
    if name in SETTINGS:
        return None
    if name.endswith("_per_s"):
        return "higher"
    if name.endswith(("_s", "_mb")) or "_ms" in name:
        return "lower"
    return None


def baseline_of(figures: dict[str, Any]) -> dict[str, Any] | None:
    path = BASELINES / f"{figures['bench']}-{figures.get('database', 'any')}.jsonl"
    if not path.exists():
        return None
    kind = {k: v for k, v in figures.items() if isinstance(v, str)}
    found = None
    for line in path.read_text().splitlines():
        if line.strip():
            stored = orjson.loads(line)
            if all(stored.get(key) == value for key, value in kind.items()):
                found = stored
    return found


def comparison(figures: dict[str, Any], baseline: dict[str, Any], tolerance: float) -> list[str]:
    lines = [f"  {'figure':<28} {'baseline':>10} {'now':>10} {'change':>8}"]
    if note := baseline.get("note"):
        lines[0] += f"   (baseline: {note})"
    for name in sorted(SETTINGS & figures.keys() & baseline.keys()):
        if figures[name] != baseline[name]:
            lines.append(f"  {name} is {figures[name]}, the baseline's {baseline[name]}: not alike")
    for name, now in figures.items():
        was, better = baseline.get(name), better_when(name)
        if better is None or not isinstance(was, int | float) or not was:
            continue
        change = now / was - 1
        worse = -change if better == "higher" else change
        flag = "  REGRESSION" if worse > tolerance else ""
        lines.append(f"  {name:<28} {was:>10} {now:>10} {change:>+8.0%}{flag}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tolerance", type=float, default=0.10, help="worse by more than this is flagged"
    )
    parser.add_argument("--save", action="store_true", help="append the figures as the baseline")
    options = parser.parse_args()
    measured = 0
    for line in sys.stdin:
        print(line, end="", flush=True)
        try:
            figures = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(figures, dict) or "bench" not in figures:
            continue
        measured += 1
        if options.save:
            BASELINES.mkdir(exist_ok=True)
            path = BASELINES / f"{figures['bench']}-{figures.get('database', 'any')}.jsonl"
            with path.open("a") as file:
                file.write(line if line.endswith("\n") else line + "\n")
            continue
        baseline = baseline_of(figures)
        if baseline is None:
            print(f"  no baseline for {figures['bench']} yet (record one with --save)")
            continue
        print("\n".join(comparison(figures, baseline, options.tolerance)))
    if not measured:
        raise SystemExit("no bench figures on stdin")


if __name__ == "__main__":
    main()
