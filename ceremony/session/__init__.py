"""The session protocol between the studio and its venues, sans I/O.

Shaped like aioquic's `QuicConnection`: a session is fed what arrived (`receive(..., now)`) and
woken at the instant it asks for (`next_timer()`, then `handle_timer(now)`); every call returns
an `Output` — the messages to send and the typed events that happened. It reads no clock and
touches no socket: media/studio/engine.py and media/venue.py adapt it to aiortc with one timer each.
"""

from ceremony.session.output import Channel, Output, Refuse, Send
from ceremony.session.studio import StudioSession
from ceremony.session.venue import VenueSession

__all__ = ["Channel", "Output", "Refuse", "Send", "StudioSession", "VenueSession"]
