"""The program through an SFU (Janus), and the venues' feeds taken from it: nothing without one."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec
from aiortc.mediastreams import MediaStreamTrack

from ceremony import wire
from media.mixer import AudioMixer
from media.program import ProgramBus
from media.sfu.feeds import FIRST_TILES, StudioFeeds, wanted_levels
from media.sfu.janus import JanusError
from media.sfu.program import SfuProgram
from media.studio.config import StudioConfig

log = logging.getLogger(__name__)

# A venue's track from the SFU (venue id, track, its receiver if known).
OnTrack = Callable[[str, MediaStreamTrack, object | None], None]


class SfuGlue:
    def __init__(
        self,
        config: StudioConfig,
        bus: ProgramBus,
        mixer: AudioMixer,
        venue_ids: list[str],
        *,
        on_track: OnTrack,
        wanted: Callable[[], tuple[str | None, str | None]],
        problem: Callable[[str, str], None],
    ) -> None:
        """`wanted`: the venue on air and the one on preview; `problem(device, text)` shows
        an SFU that could not be used on the desk."""
        self._config = config
        self._mixer = mixer
        self._venue_ids = frozenset(venue_ids)
        self._on_track = on_track
        self._wanted = wanted
        self._problem = problem
        self.program: SfuProgram | None = (
            SfuProgram(config.sfu, bus, config.ice_servers) if config.sfu else None
        )
        self.feeds: StudioFeeds | None = None  # the venues' feeds through the SFU
        self.visible_venues = frozenset(venue_ids[:FIRST_TILES])

    async def start(self) -> None:
        """Publish the program to the SFU; if it cannot be reached, send it directly and say so."""
        if self.program is None:
            return
        try:
            await self.program.start()
        except (JanusError, OSError) as exc:
            await self.program.stop()
            self.program = None
            self._problem("sfu", f"SFU unreachable, program sent directly: {exc}")
            return
        if self.program is not None and self.program.cascade_problems:
            left_out = "; ".join(self.program.cascade_problems)
            self._problem("sfu", f"SFU cascade left out, the first takes all: {left_out}")
        if self._config.sfu_feeds and not self.program.config.cascade:
            await self._start_feeds()
        elif self._config.sfu_feeds:
            # The studio takes feeds from the first instance only; with a cascade, venues on a
            # further instance would publish where it does not look: their feeds come directly.
            log.info("SFU cascade: venues' cameras and microphones come to the studio directly")

    async def _start_feeds(self) -> None:
        """Venues publish to the SFU, the studio takes what it shows (media/sfu/feeds.py)."""
        assert self.program is not None
        feeds = StudioFeeds(
            self.program.config.url,
            self.program.config.room,
            self.program.pin,
            self._mixer,
            lambda source_id: source_id in self._venue_ids,
            on_track=self._on_track,
            ice_servers=self._config.ice_servers,
        )
        try:
            await feeds.start()
        except (JanusError, OSError) as exc:
            await feeds.stop()
            self._problem("sfu-feeds", f"venues' feeds sent directly: {exc}")
            return
        self.feeds = feeds
        self.follow()

    async def stop(self) -> None:
        if self.feeds is not None:
            await self.feeds.stop()
            self.feeds = None
        if self.program is not None:
            await self.program.stop()

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        """The venues whose tiles the console shows (through an SFU only these are taken)."""
        self.visible_venues = venue_ids
        self.follow()

    def follow(self) -> None:
        """Take the feeds that what is on air, on preview and on the tiles needs."""
        if self.feeds is None:
            return
        on_air, preview = self._wanted()
        self.feeds.want(wanted_levels(on_air, preview, self.visible_venues))

    def route(self, venue_id: str) -> wire.SfuRoute | None:
        """Where this venue takes the program from and publishes its feeds (the welcome's)."""
        route = self.program.route(venue_id) if self.program else None
        if route is None or self.feeds is None or self.feeds.sound is None:
            return route
        return msgspec.structs.replace(
            route,
            publish_feed=self.feeds.assign(venue_id),
            sound_feed=self.feeds.sound.feed or 0,
        )

    def forget(self, venue_id: str) -> None:
        """The venue's connection ended: its feeds' assignment goes."""
        if self.feeds is not None:
            self.feeds.forget(venue_id)
