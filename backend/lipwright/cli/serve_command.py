"""`lipwright serve`: run the backend HTTP server for the Blender add-on, on loopback by default.

The server binds its socket itself (port 0 picks a free one), writes a fresh token to a file only the
user can read, prints one ready line for the parent process, then serves until SIGTERM, Ctrl+C, or
(with --watch-stdin) the parent closing our stdin, which is how a crashed Blender still stops us.
"""

import argparse
import json
import os
import signal
import socket
import stat
import sys
import tempfile
import threading
from pathlib import Path

from .. import __version__
from ..wire import READY_PREFIX
from .trained_model_options import add_models_dir_argument

TOKEN_FILE_NAME = "token-{pid}"
KEEP_ALIVE_SECONDS = 5  # an idle connection (before its first request too) is closed after this
MAX_HEADER_BYTES = 16 * 1024
OPEN_FILE_LIMIT = 8192  # the soft limit is often 1024: a few hundred stray sockets must not reach it


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; anything else is reachable from other machines)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    parser.add_argument("--token-file", type=Path, default=None,
                        help="where to write this launch's token (default: a private folder under "
                             "$XDG_RUNTIME_DIR or the temp folder); removed on exit")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="shut down when stdin closes (the parent process died or closed the pipe)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where models run (default: cuda when available, else cpu)")
    add_models_dir_argument(parser)
    parser.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="another Host header value to accept (the machine's name when serving on 0.0.0.0); "
                             "repeatable")
    parser.add_argument("--max-request-mb", type=float, default=256.0, help="largest job request (default 256 MB)")
    parser.add_argument("--max-audio-seconds", type=float, default=600.0, help="longest audio (default 600 s)")
    parser.add_argument("--max-vertices", type=int, default=500_000, help="largest mesh (default 500000 vertices)")
    parser.add_argument("--max-frame-vertices", type=int, default=200_000_000,
                        help="largest result with offsets, frames × vertices (default 200000000: 2.2 GiB)")
    parser.add_argument("--max-waiting-jobs", type=int, default=16,
                        help="jobs that may wait in the queue before submits get 429 (default 16)")
    parser.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    parser.add_argument("--access-log", action="store_true", help="log every request on stderr")


def run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from ..models.run_folders import chosen_models_dir
    from ..server.app import create_app
    from ..server.bounded_connections import BoundedH11Protocol
    from ..server.security import new_token
    from ..server.settings import ServerSettings, allowed_hosts_for, is_loopback

    logging.basicConfig(level=args.log_level.upper(), format="lipwright: %(levelname)s %(name)s: %(message)s")
    if not is_loopback(args.host):
        print(
            f"lipwright: warning: serving on {args.host}, not loopback: other machines can reach this server. "
            "Anyone with the token can run jobs; keep the token file private and prefer an SSH tunnel.",
            file=sys.stderr, flush=True,
        )
    device = choose_device(args.device)
    models_dir = chosen_models_dir(args.models_dir)
    raise_open_file_limit()
    sock = bind_socket(args.host, args.port)
    settings = ServerSettings(
        token=new_token(),
        device=device,
        allowed_hosts=allowed_hosts_for(args.host, tuple(args.allowed_host)),
        max_request_bytes=int(args.max_request_mb * 1024 * 1024),
        max_audio_seconds=args.max_audio_seconds,
        max_vertices=args.max_vertices,
        max_frame_vertices=args.max_frame_vertices,
        max_waiting_jobs=args.max_waiting_jobs,
        models_dirs=(str(models_dir),),
    )
    token_file, private_folder = token_file_path(args.token_file)
    config = uvicorn.Config(
        create_app(settings), log_level=args.log_level, access_log=args.access_log,
        timeout_graceful_shutdown=3, lifespan="on",
        http=BoundedH11Protocol, timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the SIGTERM it handled once it has shut down; ours then turns it into a normal
    # exit so that the `finally` below still removes the token file. SIGHUP (the terminal closed) stops
    # the server the same way, instead of killing it with the token file left behind.
    signal.signal(signal.SIGTERM, _exit_quietly)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda signum, frame: setattr(server, "should_exit", True))
    try:
        write_private_file(token_file, settings.token)
        host, port = sock.getsockname()[:2]
        ready = {"port": port, "host": host, "token_file": str(token_file), "pid": os.getpid(), "version": __version__}
        print(READY_PREFIX + json.dumps(ready), flush=True)
        if args.watch_stdin:
            threading.Thread(target=_exit_when_stdin_closes, args=(server,), name="lipwright-stdin-watch",
                             daemon=True).start()
        server.run(sockets=[sock])
    finally:
        sock.close()
        _remove_quietly(token_file)
        if private_folder:
            _remove_quietly(token_file.parent, folder=True)
    return 0


def choose_device(requested: str) -> str:
    """An explicit --device cuda is checked at start; "auto" is left to each model (see lipwright.devices)."""
    if requested == "cuda":
        from ..devices import resolve_device

        return resolve_device("cuda")
    return requested


def raise_open_file_limit(wanted: int = OPEN_FILE_LIMIT) -> None:
    """Raise this process's soft limit on open files towards `wanted` (never past the hard limit)."""
    try:
        import resource
    except ImportError:  # Windows has no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def bind_socket(host: str, port: int) -> socket.socket:
    from ..errors import LipwrightError

    if not 0 <= port <= 65535:  # bind() would raise OverflowError, a traceback for the user
        raise LipwrightError(f"--port {port} is not a port number; use 1-65535, or 0 for a free port")
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    # IPPROTO_TCP said explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket's proto is TCP, and without it each keep-alive request waits ~40 ms on Nagle.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":  # on Windows SO_REUSEADDR would let another process take the port over
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise LipwrightError(f"cannot listen on {host}:{port} ({error.strerror}); use --port 0 for a free port") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def token_file_path(requested: Path | None) -> tuple[Path, bool]:
    """(where the token goes, whether its folder is ours to remove on exit)."""
    if requested is not None:
        return requested.expanduser().absolute(), False
    name = TOKEN_FILE_NAME.format(pid=os.getpid())
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    uid = os.getuid() if hasattr(os, "getuid") else None
    folder = base / ("lipwright" if runtime else f"lipwright-{uid if uid is not None else os.getlogin()}")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if uid is not None:
            # In a shared temp folder someone else may have made this folder first: never use theirs.
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
                raise PermissionError(f"{folder} is not a folder of this user")
            if info.st_mode & 0o077:
                folder.chmod(0o700)
        return folder / name, False
    except OSError:
        return Path(tempfile.mkdtemp(prefix="lipwright-")) / name, True


def write_private_file(path: Path, text: str) -> None:
    """Write `text` so that only this user can read it: created 0600, then moved into place."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        _remove_quietly(temporary)
        raise


def _exit_when_stdin_closes(server) -> None:
    try:
        descriptor = sys.stdin.fileno()
        while os.read(descriptor, 65536):
            pass
    except (OSError, ValueError):
        pass
    server.should_exit = True


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


def _remove_quietly(path: Path, folder: bool = False) -> None:
    try:
        path.rmdir() if folder else path.unlink()
    except OSError:
        pass
