"""The run-sheet: what should happen, where, and for how long."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class ItemKind(StrEnum):
    OPENING = "opening"
    ANTHEM = "anthem"
    PRAYER = "prayer"
    REPORT = "report"
    SPEECH = "speech"
    VIDEO = "video"
    COUNTDOWN = "countdown"
    SIGNING = "signing"
    BREAK = "break"
    CLOSING = "closing"


class EndAction(StrEnum):
    """What happens when an item's planned time is used up."""

    HOLD = "hold"  # stay on the item (overtime) until the operator presses GO
    AUTO = "auto"  # advance to the next item by itself


class SourceKind(StrEnum):
    STUDIO = "studio"
    VENUE = "venue"
    FILE = "file"


@dataclass(frozen=True)
class Source:
    """Where the program comes from while an item runs."""

    kind: SourceKind
    ref: str = ""  # venue id or media file path; empty for the studio

    def __str__(self) -> str:
        return (
            self.kind.value if self.kind is SourceKind.STUDIO else f"{self.kind.value}:{self.ref}"
        )

    @classmethod
    def studio(cls) -> Source:
        return cls(SourceKind.STUDIO)

    @classmethod
    def venue(cls, venue_id: str) -> Source:
        return cls(SourceKind.VENUE, venue_id)


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Venue:
    id: str
    name: str
    region: str = ""


@dataclass(frozen=True)
class CeremonyInfo:
    id: str
    title: str
    date: dt.date
    timezone: str
    studio: str
    organizer: str = ""  # who holds the ceremony (a ministry): the as-run document's title block


DEFAULT_WARNING_S = 60.0
DEFAULT_DANGER_S = 15.0


@dataclass(frozen=True)
class Item:
    id: str
    kind: ItemKind
    title: str
    source: Source
    duration_s: float
    speaker: Speaker | None = None
    hard_start: dt.time | None = None
    warning_s: float | None = None  # seconds before the planned end; None = default
    danger_s: float | None = None
    end_action: EndAction = EndAction.HOLD
    venues: tuple[str, ...] = ()  # venues taking part (the countdown fires at these); () = all
    notes: str = ""

    @property
    def warning_at(self) -> float:
        """Seconds before the planned end at which the speaker timer turns to warning."""
        return effective_warning(self.duration_s, self.warning_s)

    @property
    def danger_at(self) -> float:
        if self.danger_s is not None:
            return self.danger_s
        return min(DEFAULT_DANGER_S, self.warning_at / 2)


def effective_warning(duration_s: float, warning_s: float | None) -> float:
    # Defaults shrink to fit a short item, so a 30 s anthem is not "warning" from its first second.
    return warning_s if warning_s is not None else min(DEFAULT_WARNING_S, duration_s / 2)


@dataclass(frozen=True)
class Runsheet:
    ceremony: CeremonyInfo
    venues: tuple[Venue, ...]
    items: tuple[Item, ...] = field(default_factory=tuple)

    def item_venues(self, item: Item) -> tuple[str, ...]:
        return item.venues or tuple(v.id for v in self.venues)

    def same_venues(self, other: Runsheet) -> bool:
        """The same venues, in the same order: what an edited run-sheet must keep while the
        studio runs (its links, tiles and recordings are the venues')."""
        return [v.id for v in self.venues] == [v.id for v in other.venues]

    def venue(self, venue_id: str) -> Venue | None:
        for venue in self.venues:
            if venue.id == venue_id:
                return venue
        return None

    def planned_offsets(self) -> list[float]:
        """Start of each item in seconds after the first, ignoring hard starts."""
        offsets: list[float] = []
        t = 0.0
        for item in self.items:
            offsets.append(t)
            t += item.duration_s
        return offsets

    @property
    def planned_duration_s(self) -> float:
        return sum(item.duration_s for item in self.items)

    def scaled(self, total_s: float) -> Runsheet:
        """The same ceremony compressed (or stretched) to last `total_s` seconds.

        Used by rehearsals and the headless demo; thresholds scale with their item.
        """
        planned = self.planned_duration_s
        if planned <= 0:
            return self
        k = total_s / planned
        items = tuple(
            Item(
                id=i.id,
                kind=i.kind,
                title=i.title,
                source=i.source,
                duration_s=i.duration_s * k,
                speaker=i.speaker,
                hard_start=None,  # a compressed rehearsal cannot keep times of day
                warning_s=i.warning_at * k,
                danger_s=i.danger_at * k,
                end_action=i.end_action,
                venues=i.venues,
                notes=i.notes,
            )
            for i in self.items
        )
        return Runsheet(self.ceremony, self.venues, items)
