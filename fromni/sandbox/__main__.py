"""`python -m fromni.sandbox`: run the platform sandbox until SIGTERM or SIGINT.

Every flag falls back to a FROMNI_SANDBOX_* environment variable. The first stdout line is
`fromni-sandbox listening on http://HOST:PORT`, so a parent process can learn the port.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .app import DEFAULT_STATUS_DELAYS, Sandbox, SandboxConfig
from .autopilot import Autopilot
from .server import SandboxServer
from .variants import add_arguments, from_arguments

ENV_PREFIX = "FROMNI_SANDBOX_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def parse_status_delays(text: str) -> tuple[float, float] | None:
    """`"1,3"` -> (1.0, 3.0); `"off"` -> None."""
    if text.strip().lower() in ("off", "none", "0"):
        return None
    try:
        delivered, read = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected A,B or off, got {text!r}") from None
    if delivered < 0 or read < delivered:
        raise argparse.ArgumentTypeError("expected 0 <= A <= B")
    return delivered, read


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    default_delays = ",".join(f"{d:g}" for d in DEFAULT_STATUS_DELAYS)
    parser = argparse.ArgumentParser(
        prog="python -m fromni.sandbox", description="Run the Fromni platform sandbox."
    )
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("PORT", "8100") or 8100))
    parser.add_argument("--token", default=_env("TOKEN"), help="the API token to accept")
    parser.add_argument("--callback-url", default=_env("CALLBACK_URL", ""))
    parser.add_argument("--secret", default=_env("SECRET", ""))
    parser.add_argument(
        "--autopilot",
        type=_non_negative,
        default=_non_negative(_env("AUTOPILOT", "0") or "0"),
        help="dialogs a minute started by made-up users (scaled)",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive,
        default=_positive(_env("TIME_SCALE", "1") or "1"),
        help="run every sandbox schedule this many times faster",
    )
    parser.add_argument(
        "--status-delays",
        type=parse_status_delays,
        default=parse_status_delays(_env("STATUS_DELAYS", default_delays) or default_delays),
        help="seconds until an operator message is delivered,read (or 'off')",
    )
    parser.add_argument("--log-level", default=_env("LOG_LEVEL", "WARNING"))
    add_arguments(parser, _env)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        variants = from_arguments(args)
    except ValueError as exc:
        parser.error(str(exc))
    if not args.token:
        print("--token or FROMNI_SANDBOX_TOKEN is required", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    config = SandboxConfig(
        token=args.token,
        callback_url=args.callback_url,
        secret=args.secret,
        host=args.host,
        port=args.port,
        autopilot=args.autopilot,
        time_scale=args.time_scale,
        status_delays=args.status_delays,
        variants=variants,
    )
    sandbox = Sandbox(config)
    server = SandboxServer(sandbox, config.host, config.port)
    public_host = "127.0.0.1" if config.host in ("0.0.0.0", "") else config.host
    sandbox.public_url = f"http://{public_host}:{server.server_address[1]}"
    sandbox.start()
    autopilot = Autopilot(sandbox, config.autopilot) if config.autopilot > 0 else None
    if autopilot is not None:
        autopilot.start()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # serve_forever runs on its own thread so the main thread can wait for a signal and then
    # call shutdown(), which would deadlock if called from the serving thread.
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.daemon = True
    serving.start()
    print(f"fromni-sandbox listening on {server.base_url}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if autopilot is not None:
        autopilot.stop()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
