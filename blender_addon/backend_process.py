"""Start, watch and stop the local backend: stopped -> starting -> running (or failed), like Krita AI's server.

The child is `python -m lipwright serve --port 0 --watch-stdin` in the backend's own environment. It
prints a ready line (wire.READY_PREFIX + JSON: port, host, token_file, pid, version); we read the
token from token_file and check /health. The child exits when its stdin pipe closes, so it dies with
Blender even when Blender crashes; on a normal exit `atexit` stops it (terminate -> wait -> kill).
"""

import atexit
import collections
import enum
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import wire
from .client import BackendError, Client

ADDON_DIR = Path(__file__).resolve().parent
BUNDLED_BACKEND = ADDON_DIR / "backend"  # build_addon.py puts the backend source here
BUILD_DEFAULTS = "build_defaults.json"  # build_addon.py records the backend Python it was built beside


class BackendState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"


def default_python() -> str:
    """$LIPWRIGHT_BACKEND_PYTHON, else the environment the README's set-up made beside the checkout
    that built this zip (recorded by build_addon.py), else <repo>/.venv when run from the repo, else python3."""
    configured = os.environ.get("LIPWRIGHT_BACKEND_PYTHON")
    if configured:
        return configured
    try:
        recorded = json.loads((ADDON_DIR / BUILD_DEFAULTS).read_text(encoding="utf-8")).get("backend_python", "")
    except (OSError, ValueError):
        recorded = ""
    if recorded and Path(recorded).is_file():
        return recorded
    relative = Path("Scripts", "python.exe") if os.name == "nt" else Path("bin", "python")
    for root in (ADDON_DIR.parent, ADDON_DIR):  # the repo checkout, or a venv made inside the add-on folder
        candidate = root / ".venv" / relative
        if candidate.is_file():
            return str(candidate)
    return "python" if os.name == "nt" else "python3"


def backend_command(python: str, extra_args=()) -> list[str]:
    return [python, "-m", "lipwright", "serve", "--port", "0", "--watch-stdin", *extra_args]


def child_environment() -> dict:
    """The child's environment: the bundled backend first on its PYTHONPATH (Blender's sys.path is untouched)."""
    environment = dict(os.environ)
    if (BUNDLED_BACKEND / "lipwright" / "__init__.py").is_file():
        previous = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, (str(BUNDLED_BACKEND), previous)))
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


class BackendProcess:
    """One local backend process. Thread-safe: the job thread starts it, the UI reads `state`."""

    def __init__(self, python=None, extra_args=(), startup_timeout=120.0):
        self.python = python or default_python()
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.state = BackendState.STOPPED
        self.error = ""
        self.ready: dict = {}
        self.token = ""
        self.log = collections.deque(maxlen=200)  # the child's last output lines, for error messages
        self._process = None
        self._lines: queue.Queue = queue.Queue()
        self._lock = threading.RLock()

    @property
    def url(self) -> str:
        return f"http://{self.ready.get('host', '127.0.0.1')}:{self.ready['port']}" if self.ready else ""

    def client(self, timeout=30.0) -> Client:
        if self.state is not BackendState.RUNNING:
            raise BackendError(f"the local backend is {self.state.value}" + (f": {self.error}" if self.error else ""))
        return Client(self.url, self.token, timeout)

    def is_alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def ensure_running(self) -> Client:
        """Start the backend unless it already runs; returns a client for it. Blocks up to startup_timeout."""
        with self._lock:
            if self.state is BackendState.RUNNING and self.is_alive():
                return self.client()
            self.stop()
            return self._start()

    def _fail(self, message) -> BackendError:
        self.state = BackendState.FAILED
        tail = "\n".join(list(self.log)[-8:])
        self.error = message + (f"\n{tail}" if tail else "")
        self.stop(keep_state=True)
        return BackendError(self.error)

    def _start(self) -> Client:
        self.state, self.error, self.ready, self.token = BackendState.STARTING, "", {}, ""
        self.log.clear()
        command = backend_command(self.python, self.extra_args)
        try:
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=child_environment(), text=True, encoding="utf-8", errors="replace", bufsize=1,
            )
        except OSError as error:
            raise self._fail(
                f"cannot start the backend with '{self.python}' ({error.strerror or error}); "
                "set the backend's Python in the add-on preferences"
            ) from None
        self._lines = queue.Queue()
        threading.Thread(target=self._read_output, args=(self._process, self._lines), daemon=True,
                         name="lipwright-backend-output").start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._fail(f"the backend did not report ready within {self.startup_timeout:.0f} s")
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if not self.is_alive():
                    time.sleep(0.2)  # let the reader thread pass on the last lines
                    raise self._fail(f"the backend exited at start (code {self._process.returncode})")
                continue
            if line is None:
                continue
            if line.startswith(wire.READY_PREFIX):
                try:
                    self.ready = json.loads(line[len(wire.READY_PREFIX):])
                    self.token = Path(self.ready["token_file"]).read_text(encoding="utf-8").strip()
                except (ValueError, KeyError, OSError) as error:
                    raise self._fail(f"the backend's ready line could not be used ({error})") from None
                break
        client = Client(self.url, self.token, timeout=10.0)
        try:
            client.health()
        except BackendError as error:
            raise self._fail(f"the backend started but its health check failed: {error}") from None
        self.state = BackendState.RUNNING
        return self.client()

    def _read_output(self, process, lines):
        for line in process.stdout:
            line = line.rstrip("\n")
            self.log.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, timeout=5.0, keep_state=False):
        """terminate -> wait -> kill. Closing stdin first lets --watch-stdin shut down cleanly."""
        with self._lock:
            process, self._process = self._process, None
            if process is not None and process.poll() is None:
                try:
                    process.stdin.close()
                    process.wait(timeout=min(1.0, timeout))
                except (OSError, subprocess.TimeoutExpired):
                    pass
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(timeout=timeout)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=timeout)
            if not keep_state:
                self.state, self.ready, self.token = BackendState.STOPPED, {}, ""


_backend: BackendProcess | None = None
_backend_lock = threading.Lock()


def local_backend(python=None, extra_args=(), startup_timeout=120.0) -> BackendProcess:
    """The add-on's one local backend; a changed Python or arguments replace it."""
    global _backend
    with _backend_lock:
        python = python or default_python()
        if _backend is not None and (_backend.python, _backend.extra_args) != (python, list(extra_args)):
            _backend.stop()
            _backend = None
        if _backend is None:
            _backend = BackendProcess(python, extra_args, startup_timeout)
        _backend.startup_timeout = startup_timeout
        return _backend


def current_backend() -> BackendProcess | None:
    return _backend


def stop_local_backend():
    global _backend
    with _backend_lock:
        if _backend is not None:
            _backend.stop()
            _backend = None


atexit.register(stop_local_backend)
