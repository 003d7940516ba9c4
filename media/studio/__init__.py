"""The studio engine, split by job (see engine.py for how the parts are wired).

Importers keep `from media.studio import StudioEngine, StudioConfig, ...`: the names live on here.
"""

from media.studio.engine import (
    ChatReceived,
    CountdownUpdated,
    JoinRefused,
    SequencerEvents,
    StudioConfig,
    StudioEngine,
    StudioEvent,
    VenueConnection,
    VenueRecord,
    VenueStatus,
    VenueStatusChanged,
)

__all__ = [
    "ChatReceived",
    "CountdownUpdated",
    "JoinRefused",
    "SequencerEvents",
    "StudioConfig",
    "StudioEngine",
    "StudioEvent",
    "VenueConnection",
    "VenueRecord",
    "VenueStatus",
    "VenueStatusChanged",
]
