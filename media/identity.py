"""The studio's identity on disk: its certificate and the secret that signs venue tokens."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ceremony.invite import Invite, InviteClaim, sign_token
from ceremony.runsheet import Runsheet
from ceremony.wire import MAX_TEXT
from media.private_files import make_private_dir
from media.tls import StudioCertificate, ensure_certificate

INVITE_VALID_S = 14 * 24 * 3600.0


@dataclass(frozen=True)
class StudioIdentity:
    certificate: StudioCertificate
    secret: bytes

    def invite(
        self, sheet: Runsheet, venue_id: str, addresses: list[str], expires: float
    ) -> Invite:
        venue = sheet.venue(venue_id)
        if venue is None:
            raise KeyError(f"venue {venue_id!r} is not in the run-sheet")
        c = sheet.ceremony
        claim = InviteClaim(  # names clipped to what the wire carries (and the venue accepts)
            studio=c.studio[:MAX_TEXT],
            addresses=list(addresses),
            ceremony_id=c.id,
            ceremony_title=c.title[:MAX_TEXT],
            venue_id=venue.id,
            venue_name=venue.name[:MAX_TEXT],
            fingerprint=self.certificate.fingerprint,
            expires=float(int(expires)),
        )
        return Invite(**msgspec.structs.asdict(claim), token=sign_token(self.secret, claim))


def ensure_identity(data_dir: Path, hosts: list[str]) -> StudioIdentity:
    make_private_dir(data_dir)
    secret_path = data_dir / "studio-secret"
    if not secret_path.exists():
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return StudioIdentity(ensure_certificate(data_dir, hosts), secret_path.read_bytes())
