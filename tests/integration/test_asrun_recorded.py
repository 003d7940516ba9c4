"""The as-run document of a real studio session: its recordings are the files on disk."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import av
import pytest

from launcher.report import write_report
from media.venue import LinkState
from tests.integration.conftest import Studio
from tests.integration.test_session import CIREBON, running, state

pytestmark = pytest.mark.integration


async def test_recordings_in_the_report_are_the_files_with_their_hashes(
    studio: Studio, tmp_path: Path
) -> None:
    link, events = studio.link(studio.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        await events.wait(lambda e: studio.engine.venues[CIREBON].video_frames >= 20, timeout=15)
    studio.engine.stop_recording()
    await studio.engine.record.flushed()

    _result, files = write_report(tmp_path / "journal.jsonl", tmp_path / "as-run", "id")
    doc = json.loads((tmp_path / "as-run" / "as-run.json").read_text(encoding="utf-8"))
    page = (tmp_path / "as-run" / "as-run.html").read_text(encoding="utf-8")
    recs = {r["what"]: r for r in doc["recordings"]}
    assert set(recs) == {"Program (tayangan ke semua lokasi)", "Kamera MPP Kota Cirebon"}
    for rec in recs.values():
        path = Path(rec["path"])
        assert rec["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()  # not blank
        assert rec["sha256"] in page
        with av.open(str(path)) as container:
            seconds = float(container.duration or 0) / 1e6
        assert abs(rec["duration_s"] - seconds) < 1.0, (rec["duration_s"], seconds)
    assert files[1].read_bytes().startswith(b"%PDF")
