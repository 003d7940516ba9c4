"""A real Janus (Debian's `janus`) in a network namespace of its own, for tests and benchmarks.

Janus leaves loopback out of its ICE candidates, so it cannot be reached on 127.0.0.1: it runs
in a namespace joined to this one by a veth pair, and the peers that talk to it pin their ICE
to this side's end of the pair. Nothing leaves the pair; the namespace, the pair and the
process are removed when the lab closes (also after a failed start). Needs root (CI has it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from launcher.processes import stop_process

log = logging.getLogger(__name__)

JANUS = "janus"
PLUGINS = Path("/usr/lib/x86_64-linux-gnu/janus")
HTTP_PORT = 8088
START_TIMEOUT_S = 15.0


class LabError(RuntimeError):
    """The lab cannot be built here; the message says what is missing."""


def available() -> str | None:
    """None when a Janus lab can run here, else why not (for a test's skip reason)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which(JANUS) is None:
        return "Janus is not installed (Debian package `janus`)"
    if shutil.which("ip") is None:
        return "iproute2 is not installed"
    return None


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=10)


def _config(
    folder: Path, address: str, rtp_ports: tuple[int, int], http_port: int = HTTP_PORT
) -> Path:
    """The smallest Janus that serves the VideoRoom over HTTP: no other plugin or transport,
    no STUN server (nothing outside the pair), candidates only on the namespace's address."""
    plugins = PLUGINS / "plugins"
    transports = PLUGINS / "transports"
    disabled_plugins = ",".join(
        p.name for p in plugins.glob("libjanus_*.so") if "videoroom" not in p.name
    )
    disabled_transports = ",".join(
        p.name for p in transports.glob("libjanus_*.so") if "http" not in p.name
    )
    (folder / "janus.jcfg").write_text(
        f"""general: {{
  configs_folder = "{folder}"
  plugins_folder = "{plugins}"
  transports_folder = "{transports}"
  events_folder = "{PLUGINS / "events"}"
  loggers_folder = "{PLUGINS / "loggers"}"
  debug_level = 3
  session_timeout = 60
}}
media: {{
  rtp_port_range = "{rtp_ports[0]}-{rtp_ports[1]}"
}}
nat: {{
  nice_debug = false
  ice_enforce_list = "{address}"
}}
plugins: {{
  disable = "{disabled_plugins}"
}}
transports: {{
  disable = "{disabled_transports}"
}}
""",
        encoding="utf-8",
    )
    (folder / "janus.transport.http.jcfg").write_text(
        f"""general: {{
  json = "plain"
  base_path = "/janus"
  http = true
  port = {http_port}
  ip = "{address}"
  https = false
}}
admin: {{
  admin_http = false
}}
""",
        encoding="utf-8",
    )
    (folder / "janus.plugin.videoroom.jcfg").write_text(
        "general: {\n  string_ids = false\n}\n", encoding="utf-8"
    )
    return folder / "janus.jcfg"


@dataclass
class JanusLab:
    """One Janus in one namespace. `index` keeps concurrent labs apart (0–63).

    `second_instance()` starts another Janus in the same namespace (its own HTTP port and RTP
    range): two SFUs that reach each other, for cascading."""

    index: int = 0
    http_port: int = HTTP_PORT
    prefix: str = "cer"  # names of the namespace and the pair: a bench's own keeps it apart
    rtp_ports: tuple[int, int] = (20000, 20999)
    namespace: str = field(init=False)
    host_address: str = field(init=False)  # this side of the pair: pin ICE here
    janus_address: str = field(init=False)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _folder: Path | None = field(default=None, init=False)
    _host_link: str = field(init=False)
    _shares_namespace: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        tag = f"{os.getpid() % 10000}x{self.index}"
        self.namespace = f"{self.prefix}-janus-{tag}"
        self._host_link = f"{self.prefix[:3]}j{tag}h"[:15]
        subnet = 4 * (self.index % 64)
        self.host_address = f"10.231.{(os.getpid() // 64) % 200}.{subnet + 1}"
        self.janus_address = f"10.231.{(os.getpid() // 64) % 200}.{subnet + 2}"

    @property
    def url(self) -> str:
        return f"http://{self.janus_address}:{self.http_port}/janus"

    @property
    def pid(self) -> int:
        """Janus's own process (`ip netns exec` execs it): for its CPU figures."""
        assert self._proc is not None
        return self._proc.pid

    def second_instance(self) -> JanusLab:
        """Another Janus beside this one (started; close it before this lab)."""
        other = JanusLab(
            self.index,
            http_port=self.http_port + 1,
            prefix=self.prefix,
            rtp_ports=(self.rtp_ports[1] + 1, self.rtp_ports[1] + 1000),
        )
        other._shares_namespace = True
        try:
            other._launch()
        except BaseException:
            other.close()
            raise
        return other

    @property
    def log_path(self) -> Path | None:
        return self._folder / "janus.log" if self._folder else None

    def start(self) -> JanusLab:
        why = available()
        if why is not None:
            raise LabError(why)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        peer = f"{self._host_link[:-1]}n"
        _run("ip", "netns", "add", self.namespace)
        _run("ip", "link", "add", self._host_link, "type", "veth", "peer", "name", peer)
        _run("ip", "link", "set", peer, "netns", self.namespace)
        _run("ip", "addr", "add", f"{self.host_address}/30", "dev", self._host_link)
        _run("ip", "link", "set", self._host_link, "up")
        inside = ("ip", "netns", "exec", self.namespace)
        _run(*inside, "ip", "addr", "add", f"{self.janus_address}/30", "dev", peer)
        _run(*inside, "ip", "link", "set", peer, "up")
        _run(*inside, "ip", "link", "set", "lo", "up")
        self._launch()

    def _launch(self) -> None:
        inside = ("ip", "netns", "exec", self.namespace)
        self._folder = Path(tempfile.mkdtemp(prefix="janus-lab-"))
        config = _config(self._folder, self.janus_address, self.rtp_ports, self.http_port)
        log_file = open(self._folder / "janus.log", "wb")  # noqa: SIM115 - the process owns it
        self._proc = subprocess.Popen(
            [*inside, JANUS, "-C", str(config), "-F", str(self._folder), "-o"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        log_file.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise LabError(f"Janus exited at start: see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url.rsplit("/", 1)[0] + "/janus/info", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)  # polling a process we started until its port answers
        raise LabError(f"Janus did not answer within {START_TIMEOUT_S:.0f} s: see {self.log_path}")

    def close(self) -> None:
        stop_process(self._proc)
        self._proc = None
        if not self._shares_namespace:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                _run("ip", "link", "del", self._host_link)
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                _run("ip", "netns", "del", self.namespace)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> JanusLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
