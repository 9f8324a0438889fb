"""Reading the counts Baton's processes share (baton/core/metrics.py) while one of them is
starting: its file exists, empty, until prometheus-client sizes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from baton.core.metrics import MULTIPROCESS_DIRECTORY, exposition, stage_errors


def counted(directory: Path, pid: int, stage: str, errors: float) -> None:
    """A process's counter file, as prometheus-client writes it."""
    counts = MmapedDict(str(directory / f"counter_{pid}.db"))  # type: ignore[no-untyped-call]
    help_text = "Steps of a background stage that failed (each is retried), by stage."
    key = mmap_key("baton_stage_errors", "baton_stage_errors_total", ["stage"], [stage], help_text)
    counts.write_value(key, errors, 0.0)  # type: ignore[no-untyped-call]
    counts.close()  # type: ignore[no-untyped-call]


def test_a_file_still_being_born_is_left_to_the_next_scrape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted(tmp_path, 101, "identity", 2)
    counted(tmp_path, 102, "identity", 1)
    (tmp_path / "counter_103.db").touch()
    monkeypatch.setenv(MULTIPROCESS_DIRECTORY, str(tmp_path))

    scraped = {
        (sample.name, sample.labels.get("stage")): sample.value
        for family in text_string_to_metric_families(exposition().decode())
        for sample in family.samples
    }
    assert scraped[("baton_stage_errors_total", "identity")] == 3
    assert stage_errors() == {"identity": 3}
