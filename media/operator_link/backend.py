"""What the operator link serves, taken from a running `StudioEngine`.

The link server talks to a `LinkBackend`; this is the real one. Commands go through the remote
desk (`OperatorDesk`): the same guards, journal entries and typed results as the HTTP and OSC
panels, so there is one command path. The console's state (from the engine's typed status) and
its tile pictures are built here, only when a client is attached and asks. Pictures come in two
steps: which frames changed is decided on the engine's loop (it reads the engine), the scaling
runs later on the link's own thread (`PictureJob`), so the loop never waits for it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ceremony import notes
from ceremony import operator as op
from ceremony import operator_link as link
from ceremony.runsheet.yaml_io import dump_yaml
from ceremony.sequencer.events import Refused
from media.clock import now as clock_now
from media.operator_link.pictures import fitted, i420_picture
from media.remote.desk import OperatorDesk
from media.studio import ChatReceived, SequencerEvents, StudioEngine, StudioEvent

if TYPE_CHECKING:
    import av

log = logging.getLogger(__name__)

THUMB_SIZE = (192, 108)
Shown = dict[str, tuple[object, tuple[int, int]]]  # per tile key: the frame shown, at what size
# Makes one tile's I420 picture; safe to run off the engine's loop (it holds its frame).
PictureJob = Callable[[], bytes]
Pictures = dict[str, tuple[int, int, PictureJob]]


class LinkBackend(Protocol):
    """The engine as the link server sees it (a fake engine in the GUI tests is another)."""

    def session(self) -> tuple[str, str, bool, str, str]:
        """ceremony id, run id, rehearsal, the run-sheet as YAML, the journal's path."""
        ...

    def resumed_part(self) -> int | None:
        """The recording part of a run this engine resumed from its journal, else None."""
        ...

    def execute(self, command: op.OperatorCommand) -> op.Result: ...

    def console_state(self) -> link.ConsoleState: ...

    def pictures(self, sizes: dict[str, tuple[int, int]], shown: Shown) -> Pictures:
        """The tiles in `sizes` whose frame changed since `shown` (updated), each with the job
        that makes its picture. Called on the engine's loop; the jobs run anywhere."""
        ...

    def note(self, note: notes.Note) -> None: ...

    def show_venues(self, venue_ids: frozenset[str]) -> None: ...

    def on_notice(self, callback: Callable[[link.Notice], None]) -> None: ...


class EngineBackend:
    def __init__(self, engine: StudioEngine, desk: OperatorDesk | None = None) -> None:
        self.engine = engine
        self.desk = desk or OperatorDesk(
            engine, rehearsal=bool(engine.run and engine.run.rehearsal)
        )
        self._notice: list[Callable[[link.Notice], None]] = []
        engine.subscribe(self._on_event)

    def session(self) -> tuple[str, str, bool, str, str]:
        engine = self.engine
        run = engine.run
        return (
            engine.sheet.ceremony.id,
            run.id if run else "",
            bool(run and run.rehearsal),
            dump_yaml(engine.sheet),
            str(engine.journal_path),
        )

    def resumed_part(self) -> int | None:
        return self.engine.resumed_part

    def execute(self, command: op.OperatorCommand) -> op.Result:
        return self.desk.execute(command)

    def note(self, note: notes.Note) -> None:
        self.engine.desk.note(note, clock_now())

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        self.engine.show_venues(venue_ids)

    def on_notice(self, callback: Callable[[link.Notice], None]) -> None:
        self._notice.append(callback)

    def _on_event(self, event: StudioEvent) -> None:
        notice: link.Notice | None = None
        match event:
            case SequencerEvents(events=events):
                for e in events:
                    if isinstance(e, Refused):
                        notice = link.Notice(link.NoticeKind.REFUSED, describe_refusal(e))
            case ChatReceived(venue_id=vid, text=text):
                notice = link.Notice(link.NoticeKind.CHAT, f"{vid}: {text}")
            case _:
                pass
        if notice is not None:
            for callback in list(self._notice):
                callback(notice)

    def console_state(self) -> link.ConsoleState:
        return console_state(self.engine, self.desk)

    def pictures(self, sizes: dict[str, tuple[int, int]], shown: Shown) -> Pictures:
        return pictures(self.engine, self.desk, sizes, shown)


def describe_refusal(event: Refused) -> str:
    fields = {k: getattr(event, k) for k in event.__struct_fields__}
    return "Refused " + ", ".join(f"{k}={v}" for k, v in fields.items())


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def recording_health(engine: StudioEngine) -> link.RecordingHealth:
    r = engine.recording_health()
    if not r.get("recording"):
        return link.RecordingHealth()
    return link.RecordingHealth(
        recording=True,
        file=str(r.get("file") or ""),
        duration_s=float(r.get("duration_s") or 0.0),  # type: ignore[arg-type]
        size_mb=float(r.get("size_mb") or 0.0),  # type: ignore[arg-type]
        kbps=int(r.get("kbps") or 0),  # type: ignore[call-overload]
        free_min=_float(r.get("free_min")),
        failed=str(r.get("failed") or ""),
        isos=int(r.get("isos") or 0),  # type: ignore[call-overload]
    )


def console_state(engine: StudioEngine, desk: OperatorDesk | None = None) -> link.ConsoleState:
    """The console's picture of the engine now (on the engine's loop), from its typed status."""
    now = clock_now()
    view = engine.desk.sequencer.view(now)
    status = engine.status()
    cd = engine.countdown
    on_air = engine.program_source
    preview = op.preview_venue(engine.preview_venue, engine.sheet, view.next)
    rows = []
    for v in status.venues:
        record = engine.venues[v.id]
        arm = cd.venues.get(v.id)
        error = (
            (arm.fired_true - cd.fire_at) * 1000
            if arm and arm.fired_true is not None and cd.fire_at is not None
            else None
        )
        rows.append(
            link.VenueRow(
                id=v.id,
                name=record.venue.name,
                status=v.status,
                rtt_ms=v.rtt_ms,
                video_fps=v.video_fps_at_studio,
                program_fps=v.program_fps_at_venue,
                latency_ms=v.latency_p50_ms,
                ready=v.ready,
                contact=record.contact,
                reconnects=v.reconnects,
                audio_dbfs=v.audio_rms_dbfs,
                tally=op.tally_for(v.id, on_air, preview),  # the rule the venues get
                countdown_state=arm.state if arm and arm.state else None,
                countdown_bound_ms=arm.bound_s * 1000 if arm and arm.bound_s else None,
                countdown_error_ms=error,
                sound_problem=v.sound_problem,
                loss_in_pct=v.loss_in_pct,
                loss_out_pct=v.loss_out_pct,
                audio_concealed_pct=v.audio_concealed_pct,
                audio_concealed_recent_pct=v.audio_concealed_recent_pct,
                last_seen_s=v.last_seen_s,
            )
        )
    return link.ConsoleState(
        now=now,
        view=view,
        venues=tuple(rows),
        countdown_fire_at=cd.fire_at,
        countdown_flagged=tuple(cd.flagged()),
        device_problems=dict(engine.device_problems),
        recording=recording_health(engine),
        preview=preview,
        manual_override=engine.manual_override,
        journal_path=str(engine.journal_path),
    )


def pictures(
    engine: StudioEngine,
    desk: OperatorDesk | None,
    sizes: dict[str, tuple[int, int]],
    shown: Shown,
) -> Pictures:
    """Jobs for the pictures (I420, each the frame's shape fitted into its wanted tile) of the
    venues, the program and the preview that changed since `shown`; `shown` is updated. Only
    keys in `sizes` count."""
    view = engine.desk.sequencer.view(clock_now()) if "preview" in sizes else None
    preview = (
        op.preview_venue(engine.preview_venue, engine.sheet, view.next)
        if view is not None
        else None
    )
    wanted: list[tuple[str, av.VideoFrame | None]] = [
        (vid, r.conn.latest_video if r.conn else None)
        for vid, r in engine.venues.items()
        if vid in sizes
    ]
    preview_record = engine.venues.get(preview) if preview else None
    if preview_record is not None and preview_record.conn is not None:
        wanted.append(("preview", preview_record.conn.latest_video))
    if "program" in sizes:
        wanted.append(("program", engine.bus.last_frame))
    out: Pictures = {}
    for key, frame in wanted:
        size = sizes.get(key, THUMB_SIZE)
        before = shown.get(key)
        if frame is None or (before is not None and before[0] is frame and before[1] == size):
            continue
        shown[key] = (frame, size)
        w, h = fitted(frame.width, frame.height, *size)  # the frame's shape, not the box's
        out[key] = (w, h, functools.partial(i420_picture, frame, w, h))
    return out
