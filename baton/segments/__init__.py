"""Live segments and computed traits: definitions, incremental and full evaluation."""

from baton.segments.build import build, build_pending
from baton.segments.evaluator import evaluate_due
from baton.segments.store import Kind, Stored

__all__ = ["Kind", "Stored", "build", "build_pending", "evaluate_due"]
