"""What each venue is shown of the program: the ProgramState projection, one rule for all."""

from __future__ import annotations

from ceremony import operator, wire
from ceremony.runsheet import Runsheet, Source, SourceKind
from ceremony.sequencer.sequencer import Status, View


def clip(text: str) -> str:
    """To the wire's limit: a long run-sheet title must not make a venue refuse the message."""
    return text[: wire.MAX_TEXT]


def program_state(
    sheet: Runsheet,
    view: View,
    on_air: Source,
    preview_choice: str | None,
    venue_id: str,
    *,
    now_mono: float,
) -> wire.ProgramState:
    """The program as `venue_id` is shown it at `now_mono` (the studio's monotonic clock).

    The speaker's time runs out at `ends_at` on the studio clock, like the countdown's instant:
    the venue places it with its clock estimate, so transit delay does not shift its timer and
    nothing needs re-sending while the item runs. `remaining_s` stays for a venue with no
    estimate yet (and a held item, whose time does not run)."""
    items = sheet.items
    preview = operator.preview_venue(preview_choice, sheet, view.next)
    tally = operator.tally_for(venue_id, on_air, preview)
    next_title = clip(items[view.next].title) if view.next is not None else ""
    cur = view.current
    if cur is None:
        return wire.ProgramState(
            tally=tally,
            item_index=None,
            item_count=len(items),
            ended=view.status is Status.ENDED,
            next_title=next_title,
        )
    item = items[cur]
    source_name = sheet.ceremony.studio
    if item.source.kind is SourceKind.VENUE:
        v = sheet.venue(item.source.ref)
        source_name = v.name if v else item.source.ref
    held = view.status is Status.HOLDING
    return wire.ProgramState(
        tally=tally,
        item_index=cur,
        item_count=len(items),
        item_title=clip(item.title),
        item_kind=item.kind.value,
        speaker_name=clip(item.speaker.name) if item.speaker else "",
        speaker_role=clip(item.speaker.role) if item.speaker else "",
        source=clip(str(item.source)),
        source_name=clip(source_name),
        next_title=next_title,
        remaining_s=round(view.remaining_s, 3),
        ends_at=None if held else now_mono + view.remaining_s,
        phase=view.phase.value if view.phase else "",
        held=held,
        ceremony_title=clip(sheet.ceremony.title),
    )
