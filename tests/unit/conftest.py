from __future__ import annotations

from pathlib import Path

import pytest

from ceremony import runsheet
from ceremony.runsheet import Runsheet

SAMPLE = Path(__file__).resolve().parents[2] / "ceremony" / "samples" / "mpp-11.yaml"


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample() -> Runsheet:
    return runsheet.load(SAMPLE)
