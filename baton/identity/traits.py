"""Profile traits as a last-write-wins map keyed by event time.

Each trait remembers the version that set it: (event time in microseconds, message id).
A write replaces a trait only when its version is newer, so the result does not depend on
the order in which messages are processed, and two profiles merge by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Version = tuple[int, str]


def version_of(timestamp: datetime, message_id: str) -> Version:
    return (int(timestamp.timestamp() * 1_000_000), message_id)


@dataclass
class TraitMap:
    values: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)

    @classmethod
    def from_stored(cls, values: dict[str, Any], versions: dict[str, list[Any]]) -> TraitMap:
        return cls(dict(values), {key: (int(v[0]), str(v[1])) for key, v in versions.items()})

    def stored_versions(self) -> dict[str, list[Any]]:
        return {key: [v[0], v[1]] for key, v in self.versions.items()}

    def write(self, traits: dict[str, Any], version: Version) -> None:
        for key, value in traits.items():
            self._offer(key, value, version)

    def absorb(self, other: TraitMap) -> None:
        """Take every trait of `other` that is newer than ours."""
        for key, version in other.versions.items():
            self._offer(key, other.values[key], version)

    def _offer(self, key: str, value: Any, version: Version) -> None:
        current = self.versions.get(key)
        if current is None or version > current:
            self.values[key] = value
            self.versions[key] = version
