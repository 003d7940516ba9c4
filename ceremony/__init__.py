"""Pure domain core of the ceremony app.

Nothing here touches Qt, sockets, threads, media or the clock: time comes in as an argument and
effects go out as returned events. See DESIGN.md (shared) for the layering rules. The version
lives in pyproject.toml alone: media.version.version() reads it.
"""
