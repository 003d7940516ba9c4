"""What the terminal says when a restarted studio takes over an interrupted run."""

from __future__ import annotations

import time

from ceremony.journal import document_sha256
from ceremony.runsheet import Runsheet
from ceremony.runsheet.yaml_io import to_document
from launcher.runs import RESUME_WITHIN_S, Run, Unfinished


def resuming(run: Run, sheet_file: Runsheet) -> str:
    """Two languages, as the operator's other CLI messages: which run, since when it was down,
    what was on air, and how to start afresh instead."""
    state = run.resume
    assert state is not None
    down = time.strftime("%H:%M:%S", time.localtime(state.engine_wall))
    seq = state.sequencer
    cur = seq.state.current
    on_air = f'item {cur + 1} "{seq.sheet.items[cur].title}"' if cur is not None else "-"
    part = state.next_part
    lines = [
        f"resuming run {run.info.id} (not ended; the studio stopped at {down}; on air: {on_air}; "
        f"recording continues in part {part}). Start with --new-run for a new run.",
        f"melanjutkan run {run.info.id} (belum diakhiri; studio berhenti pukul {down}; "
        f"tayang: {on_air}; rekaman lanjut di bagian {part}). Pakai --new-run untuk run baru.",
    ]
    if document_sha256(to_document(sheet_file)) != document_sha256(to_document(seq.sheet)):
        lines.append(
            "the run-sheet file differs from the run's: the run goes on with the journal's copy / "
            "berkas run-sheet berbeda: run dilanjutkan dengan salinan di jurnal"
        )
    return "\n".join(lines)


def not_resumed(found: Unfinished) -> str:
    """An interrupted run too old to be the one the operator is restarting."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.stopped_wall))
    hours = RESUME_WITHIN_S / 3600
    return (
        f"run {found.run_id} was interrupted at {when}, more than {hours:g} h ago: a new run "
        "starts (--resume takes that one over)\n"
        f"run {found.run_id} terputus pada {when}, lebih dari {hours:g} jam lalu: run baru "
        "dimulai (--resume untuk melanjutkannya)"
    )
