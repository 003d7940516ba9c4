"""The studio engine, split by job; engine.py wires the parts (its docstring has the map).

Importers keep `from media.studio import StudioEngine, StudioConfig, ...`: the names live on here.
"""

from media.studio.config import StudioConfig
from media.studio.engine import StudioEngine
from media.studio.events import (
    ChatReceived,
    CountdownUpdated,
    JoinRefused,
    SequencerEvents,
    StudioEvent,
    VenueStatus,
    VenueStatusChanged,
)
from media.studio.records import VenueConnection, VenueRecord

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
