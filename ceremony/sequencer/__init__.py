"""The sequencer: what is on now, what is next, and how late we are."""

from ceremony.sequencer.sequencer import (
    GO_GUARD_S,
    ItemRow,
    ItemStatus,
    Sequencer,
    State,
    Status,
    View,
)

__all__ = ["GO_GUARD_S", "ItemRow", "ItemStatus", "Sequencer", "State", "Status", "View"]
