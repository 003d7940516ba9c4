"""The app's version, from one place: the installed package's metadata (pyproject.toml).

`build()` says which build this is: the packaging step writes `BUILD` into the frozen app's
`ceremony/` folder (commit and date); a source checkout has none and says so. (Reading files
and package metadata is I/O: it lives in media/, not in the pure core.)
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

DISTRIBUTION = "ceremony"
BUILD_FILE = Path(__file__).resolve().parent.parent / "ceremony" / "BUILD"


def version() -> str:
    """The version in pyproject.toml, as installed (also inside the frozen app)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a tree that was never installed
        return "0+unknown"


def build() -> str:
    """'<commit> <date>' for a packaged build, 'source' when run from a checkout."""
    try:
        return BUILD_FILE.read_text(encoding="utf-8").strip() or "source"
    except OSError:
        return "source"


def describe() -> str:
    """One line for --version, About and the diagnostics."""
    return f"ceremony {version()} (build {build()})"
