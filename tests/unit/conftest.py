from __future__ import annotations

import time
from pathlib import Path

import pytest

from ceremony.invite import Invite
from ceremony.runsheet import Runsheet
from media import runsheet_files

SAMPLE = Path(__file__).resolve().parents[2] / "ceremony" / "samples" / "mpp-11.yaml"
# An invite to a studio that is not there (port 9): for screens and command lines.
INVITE = Invite(
    studio="Studio Kementerian PANRB",
    addresses=["127.0.0.1:9"],
    ceremony_id="c",
    ceremony_title="Peresmian Serentak",
    venue_id="kota-cirebon",
    venue_name="MPP Kota Cirebon",
    fingerprint="AB:" * 31 + "AB",
    expires=time.time() + 3600,
    token="00" * 32,
)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample() -> Runsheet:
    return runsheet_files.load(SAMPLE)
