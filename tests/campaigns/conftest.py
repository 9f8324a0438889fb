"""The `baton` command's fixtures, for the broadcasts CLI tests."""

from tests.cli.conftest import baton, bootstrapped

__all__ = ["baton", "bootstrapped"]
