"""`ceremony ctl`: drive a running studio engine from a terminal or a script.

It finds the engine through the ceremony's data folder (the endpoint file the engine writes,
readable only by its owner) and speaks the same HTTP control API as a panel: the same commands,
guards and journal entries as the console's keys.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from launcher.paths import Paths
from media.remote.endpoint import EndpointError, find_endpoint, load_token

EXIT_OK, EXIT_REFUSED, EXIT_FAILED = 0, 3, 1

# ctl word -> (API path template, the arguments it takes)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "go": ("/api/go", ()),
    "hold": ("/api/hold", ()),
    "resume": ("/api/resume", ()),
    "back": ("/api/back", ()),
    "skip": ("/api/skip", ()),
    "undo": ("/api/undo", ()),
    "abort": ("/api/abort", ()),
    "addtime": ("/api/addtime/{0}", ("seconds",)),
    "arm": ("/api/arm/{0}", ("seconds",)),
    "take": ("/api/take/{0}", ("venue",)),
    "preview": ("/api/preview/{0}", ("venue",)),
    "cue": ("/api/cue/{0}", ("venue", "text")),
    "message": ("/api/message", ("text",)),
    "record": ("/api/record/{0}", ("start|stop|marker",)),
    "state": ("/api/state", ()),
}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ctl = sub.add_parser("ctl", help="control a running studio engine (GO, HOLD, ARM, state …)")
    ctl.add_argument("word", choices=[*COMMANDS, "token", "timer-url"])
    ctl.add_argument("args", nargs="*", help="seconds, venue (id or number), text")
    ctl.add_argument("--ceremony", default=None, help="which engine, if several run")
    ctl.add_argument("--data-dir", type=Path, default=None, help="the engine's data folder")
    ctl.add_argument("--timeout", type=float, default=5.0)
    ctl.set_defaults(func=cmd_ctl)


def cmd_ctl(args: argparse.Namespace) -> int:
    folder = (args.data_dir or Paths.default().data) / "control"
    if args.word == "token":
        print(load_token(folder))
        return EXIT_OK
    try:
        endpoint = find_endpoint(folder, args.ceremony)
    except EndpointError as exc:
        print(f"ceremony ctl: {exc}", file=sys.stderr)
        return EXIT_FAILED
    token = load_token(folder)
    if args.word == "timer-url":
        print(f"{endpoint.base_url}/timer?token={urllib.parse.quote(token)}")
        return EXIT_OK
    path, wanted = COMMANDS[args.word]
    words = list(args.args)
    query: dict[str, str] = {}
    if "text" in wanted:
        if len(words) < len(wanted):
            print(f"ceremony ctl {args.word}: give {' '.join(wanted)}", file=sys.stderr)
            return EXIT_FAILED
        query["text"] = " ".join(words[len(wanted) - 1 :])
        words = words[: len(wanted) - 1]
    elif args.word == "record" and words[:1] == ["marker"] and len(words) > 1:
        query["text"], words = " ".join(words[1:]), words[:1]
    if len(words) != len([w for w in wanted if w != "text"]):
        print(
            f"ceremony ctl {args.word}: give {' '.join(wanted) or 'no arguments'}", file=sys.stderr
        )
        return EXIT_FAILED
    url = endpoint.base_url + path.format(*(urllib.parse.quote(w, safe="") for w in words))
    if query:
        url += "?" + urllib.parse.urlencode(query)
    method = "GET" if args.word == "state" else "POST"
    request = urllib.request.Request(url, method=method, headers={"X-Ceremony-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        print(
            f"ceremony ctl: the engine at {endpoint.http} does not answer ({exc})", file=sys.stderr
        )
        return EXIT_FAILED
    try:
        data = json.loads(body)
    except ValueError:
        data = {"error": body.decode(errors="replace")[:200]}
    if args.word == "state":
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK if status == 200 else EXIT_FAILED
    if status == 202:
        print(f"{args.word}: ok{(' — ' + data['detail']) if data.get('detail') else ''}")
        return EXIT_OK
    reason = data.get("reason") or data.get("error") or f"HTTP {status}"
    if data.get("detail") and data.get("detail") != reason:
        reason += f" ({data['detail']})"
    print(f"{args.word}: refused — {reason}", file=sys.stderr)
    return EXIT_REFUSED if status == 409 else EXIT_FAILED
