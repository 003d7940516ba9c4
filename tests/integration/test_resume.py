"""The studio engine killed mid-speech and started again, with real venue processes: the run is
resumed (same id, same item, its start kept), the venues come back by themselves, the countdown
they had acknowledged fires while the engine is down and their reports are journaled once after
the restart, and the recording goes on in part 2; the as-run report shows both parts and the gap.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ceremony.asrun import build
from launcher.bench_resume import Bench
from media.journal_reader import read_journal


def test_engine_killed_mid_speech_resumes_with_real_venues(tmp_path: Path) -> None:
    args = argparse.Namespace(
        venues=2,
        lead=6.0,
        kill_before_zero=1.5,
        speech_before_arm=0.0,
        after_s=1.0,
        out=tmp_path / "bench",
        json=False,
    )
    bench = Bench(args)
    result = asyncio.run(bench.run())
    assert result["resumed_same_run"]
    assert result["same_item"] and result["item"] == 1 and result["item_start_kept"]
    assert result["journal_lines_lost"] == 0 and not result["journal_problems"]
    assert result["rejoin_after_restart_s"]["max"] <= 10.0
    cd = result["countdown"]
    assert cd["fire_reports_after_restart"] == cd["fire_reports_journaled"] == 2
    assert cd["within_bound"] == 2
    parts = [(r["part"], r["error"]) for r in result["recordings"]]
    assert parts == [(1, None), (2, None)]
    assert all(r["frames"] > 0 for r in result["recordings"])
    read = read_journal(bench.journal)
    asrun = build(read.records, read.problems, read.truncated_tail)
    assert len(asrun.gaps) == 1 and asrun.gaps[0].part == 2 and asrun.gaps[0].seconds > 0
    assert sorted(r.part for r in asrun.recordings if r.venue is None) == [1, 2]
    assert {f.venue_id for f in asrun.fires if f.state.value == "fired"} == {
        "lokasi-01",
        "lokasi-02",
    }
