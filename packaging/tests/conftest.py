"""Smoke tests of what `make package` built: the frozen binaries in DIST, not this source tree.

make package-smoke            (= pytest packaging/tests --frozen dist)
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--frozen", type=Path, default=None, help="the dist folder make package made")


@pytest.fixture(scope="session")
def dist(request: pytest.FixtureRequest) -> Path:
    folder = request.config.getoption("--frozen")
    if folder is None:
        pytest.skip("give --frozen DIST (the folder `make package` wrote)")
    folder = Path(folder).resolve()
    if not (folder / "ceremony" / "ceremony-venue").exists():
        pytest.fail(f"{folder} holds no frozen app: run `make package` first")
    return folder


@pytest.fixture(scope="session")
def frozen(dist: Path) -> Path:
    return dist / "ceremony"
