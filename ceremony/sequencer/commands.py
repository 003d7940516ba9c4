"""Operator commands the sequencer accepts. Tagged structs, so the journal can store them."""

from __future__ import annotations

import msgspec


class Go(msgspec.Struct, frozen=True, tag="go"):
    """End the current item and start the next (or start the ceremony)."""


class UndoGo(msgspec.Struct, frozen=True, tag="undo_go"):
    """Take back the last GO, as if it had not been pressed."""


class Back(msgspec.Struct, frozen=True, tag="back"):
    """Return to the previous item; its timer continues from where it stopped."""


class Hold(msgspec.Struct, frozen=True, tag="hold"):
    """Pause the current item's timer (a technical hold)."""


class Resume(msgspec.Struct, frozen=True, tag="resume"):
    pass


class Skip(msgspec.Struct, frozen=True, tag="skip"):
    """Mark a pending item to be passed over by GO (again to un-skip). None = the next item."""

    index: int | None = None


class Jump(msgspec.Struct, frozen=True, tag="jump"):
    """End the current item and start item `index` directly."""

    index: int


class AddTime(msgspec.Struct, frozen=True, tag="add_time"):
    """Give the current item more time (negative: take time away)."""

    seconds: float


class EndCeremony(msgspec.Struct, frozen=True, tag="end"):
    pass


Command = Go | UndoGo | Back | Hold | Resume | Skip | Jump | AddTime | EndCeremony
