from __future__ import annotations

from pathlib import Path

import pytest

from ceremony.runsheet import Runsheet
from media import runsheet_files

SAMPLE = Path(__file__).resolve().parents[2] / "ceremony" / "samples" / "mpp-11.yaml"


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample() -> Runsheet:
    return runsheet_files.load(SAMPLE)
