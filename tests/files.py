"""Reading database files from a test without breaking SQLite's locks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def file_bytes(path: Path) -> bytes:
    """The file's bytes, read by another process: closing a descriptor of a file drops
    every POSIX lock this process holds on it, SQLite's included, so reading a live
    database here would let other writers corrupt it."""
    if not path.exists():
        return b""
    read = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read())"
    return subprocess.run(
        [sys.executable, "-c", read, str(path)], check=True, capture_output=True
    ).stdout
