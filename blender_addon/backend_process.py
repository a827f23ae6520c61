"""Start, watch and stop the local backend: stopped -> starting -> running (or failed), like Krita AI's server.

The child is `python -m lipwright serve --port 0 --watch-stdin` in the backend's own environment. It
prints a ready line (wire.READY_PREFIX + JSON: port, host, token_file, pid, version); we read the
token from token_file and check /health. The child exits when its stdin pipe closes, so it dies with
Blender even when Blender crashes; on a normal exit `atexit` stops it (terminate -> wait -> kill).
"""

import atexit
import collections
import enum
import importlib.util
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import wire
from .client import BackendError, Client

ADDON_DIR = Path(__file__).resolve().parent
BUNDLED_BACKEND = ADDON_DIR / "backend"  # build_addon.py puts the backend source here
# What the default model's server imports; build_addon.py bundles them as wheels (numpy is Blender's own).
DEFAULT_MODEL_MODULES = ("numpy", "fastapi", "uvicorn", "pydantic", "soundfile", "soxr", "pocketsphinx", "num2words",
                         "scipy", "nara_wpe", "click", "safetensors")
# What the backend's prepare-character job imports (the face detector, mediapipe, is optional and not bundled).
PREPARE_CHARACTER_MODULES = ("scipy", "trimesh", "rtree", "fast_simplification")
_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")


class BackendState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"


def default_python() -> str:
    """$LIPWRIGHT_BACKEND_PYTHON, else Blender's own Python, which runs the default model with the wheels
    the extension ships (Blender installs them when it installs the extension)."""
    return os.environ.get("LIPWRIGHT_BACKEND_PYTHON") or sys.executable


def is_blender_python(python: str) -> bool:
    """Compared by path, not by file: a venv's python is a link to the same interpreter as other venvs'."""
    return os.path.normcase(os.path.abspath(python)) == os.path.normcase(os.path.abspath(sys.executable))


def extension_site_packages() -> list[str]:
    """The folders where Blender installed its extensions' wheels: <extensions>/.local/lib/pythonX.Y/site-packages.
    Blender adds them to its own sys.path; a child Python needs them on its PYTHONPATH."""
    tail = os.path.join(".local", "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")
    return [path for path in sys.path if os.path.normpath(path).endswith(tail)]


def missing_modules(modules=DEFAULT_MODEL_MODULES) -> list[str]:
    """The `modules` Blender's own Python lacks (default: the default model's; quick: finds, never imports)."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


def backend_command(python: str, extra_args=()) -> list[str]:
    return [python, "-m", "lipwright", "serve", "--port", "0", "--watch-stdin", *extra_args]


def child_environment(python: str = "") -> dict:
    """The child's environment: the bundled backend first on its PYTHONPATH, then (for Blender's own Python)
    the extensions' wheels. PYTHONPATH, not sys.path edits, so the backend's own worker processes see them too."""
    environment = dict(os.environ)
    paths = [str(BUNDLED_BACKEND)] if (BUNDLED_BACKEND / "lipwright" / "__init__.py").is_file() else []
    if python and is_blender_python(python):
        paths += extension_site_packages()
    previous = environment.get("PYTHONPATH")
    if paths:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, (*paths, previous)))
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def start_failure(python: str, log_lines, fallback: str) -> str:
    """The cause of a failed start, in one line: a missing module is named, with what to do about it."""
    for line in reversed(list(log_lines)):
        match = _MISSING_MODULE.search(line)
        if match:
            module = match.group(1).split(".")[0]
            if is_blender_python(python):
                return (f"Blender's Python lacks the module '{module}' the Lipwright backend needs: reinstall the "
                        "Lipwright extension built for this platform (Blender installs its bundled wheels), "
                        "or set a Python with the backend's dependencies in the add-on preferences")
            return (f"the backend's Python ({python}) lacks the module '{module}': install the backend's "
                    "dependencies there, or clear the Python preference to use Blender's own Python")
    last = next((line.strip() for line in reversed(list(log_lines)) if line.strip()), "")
    return f"{fallback}: {last}" if last else fallback


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
        """The cause goes first (the panel shows it); the child's last lines go to the console."""
        self.state = BackendState.FAILED
        self.error = start_failure(self.python, self.log, message)
        tail = "\n".join(list(self.log)[-20:])
        print(f"Lipwright: {self.error}" + (f"\nThe backend's last output:\n{tail}" if tail else ""), file=sys.stderr)
        self.stop(keep_state=True)
        return BackendError(self.error)

    def _start(self) -> Client:
        self.state, self.error, self.ready, self.token = BackendState.STARTING, "", {}, ""
        self.log.clear()
        command = backend_command(self.python, self.extra_args)
        try:
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=child_environment(self.python), text=True, encoding="utf-8", errors="replace", bufsize=1,
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
