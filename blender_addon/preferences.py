"""Add-on preferences: run the bundled backend locally with a chosen Python, or use a remote one (URL + token)."""

import ipaddress
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

import bpy

from . import backend_process
from .client import BackendError, Client

ALLOW_ONLINE_ACCESS = ("Blender's online access is off: allow it in Preferences > System > Network > "
                       "Allow Online Access, or reach the workstation through an SSH tunnel on 127.0.0.1")


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class BackendSettings:
    """A plain copy of the preferences, safe to hand to the job thread."""

    mode: str = "LOCAL"
    python: str = ""
    extra_args: tuple = ()
    url: str = "http://127.0.0.1:8765"
    token: str = ""
    startup_timeout: float = 120.0
    online_access: bool = True  # bpy.app.online_access, read on the main thread

    def connect(self) -> Client:
        """A client for a working backend; starts the local one when needed (blocking)."""
        if self.mode == "REMOTE":
            if not self.online_access and not is_loopback_url(self.url):
                raise BackendError(ALLOW_ONLINE_ACCESS)
            client = Client(self.url, self.token, timeout=30.0)
            client.health()
            return client
        return backend_process.local_backend(self.python or None, self.extra_args, self.startup_timeout).ensure_running()


class LipwrightPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    backend_mode: bpy.props.EnumProperty(
        name="Backend",
        items=(
            ("LOCAL", "Local", "Start the bundled backend on this machine with the Python below"),
            ("REMOTE", "Remote", "Use a backend already running elsewhere (a workstation with a GPU)"),
        ),
        default="LOCAL",
    )
    python_path: bpy.props.StringProperty(
        name="Python",
        description="Python of an environment with the backend's dependencies, for models that need torch "
                    "(empty: Blender's own Python with the modules the extension bundles, for the default model)",
        subtype="FILE_PATH",
    )
    extra_args: bpy.props.StringProperty(
        name="Extra Arguments", description="More arguments for `lipwright serve`, e.g. --device cpu",
    )
    startup_timeout: bpy.props.FloatProperty(name="Start Timeout", default=120.0, min=5.0, max=1800.0, subtype="TIME_ABSOLUTE")
    remote_url: bpy.props.StringProperty(name="URL", default="http://127.0.0.1:8765")
    remote_token: bpy.props.StringProperty(name="Token", subtype="PASSWORD",
                                           description="The token the remote server wrote to its token file")

    def draw(self, context):
        layout = self.layout
        layout.prop(self, "backend_mode", expand=True)
        if self.backend_mode == "LOCAL":
            layout.prop(self, "python_path")
            if not self.python_path:
                python = backend_process.default_python()
                own = backend_process.is_blender_python(python)
                layout.label(text="Using Blender's own Python with the bundled modules (the default model)" if own
                             else f"Using {python}", icon="INFO")
            for line in setup_problem(context):
                layout.label(text=line, icon="ERROR")
            layout.prop(self, "extra_args")
            layout.prop(self, "startup_timeout")
            backend = backend_process.current_backend()
            row = layout.row()
            row.label(text=f"State: {backend.state.value if backend else 'stopped'}")
            row.operator("lipwright.stop_backend", icon="CANCEL")
            if backend is not None and backend.error:
                for line in backend.error.splitlines()[:6]:
                    layout.label(text=line, icon="ERROR")
        else:
            layout.prop(self, "remote_url")
            layout.prop(self, "remote_token")
            for line in setup_problem(context):
                layout.label(text=line, icon="ERROR")
            layout.label(text="Tip: reach a workstation through an SSH tunnel (ssh -L 8765:127.0.0.1:8765 host)")


def backend_settings(context=None) -> BackendSettings:
    context = context or bpy.context
    addon = context.preferences.addons.get(__package__)
    if addon is None or addon.preferences is None:
        return BackendSettings()
    prefs = addon.preferences
    return BackendSettings(
        mode=prefs.backend_mode, python=bpy.path.abspath(prefs.python_path) if prefs.python_path else "",
        extra_args=tuple(shlex.split(prefs.extra_args)), url=prefs.remote_url, token=prefs.remote_token,
        startup_timeout=prefs.startup_timeout, online_access=bool(bpy.app.online_access),
    )


def setup_problem(context=None) -> list[str]:
    """What keeps the chosen backend from starting, found without starting it (the cause first); [] if nothing."""
    settings = backend_settings(context)
    if settings.mode == "REMOTE":
        if not settings.online_access and not is_loopback_url(settings.url):
            return ["Online access is off: the remote backend is unreachable",
                    "Allow it: Preferences > System > Network > Allow Online Access"]
        return []
    return _missing_bundled(settings, backend_process.DEFAULT_MODEL_MODULES, "the default model")


def prepare_problem(context=None) -> list[str]:
    """What keeps a local backend on Blender's own Python from preparing a character; [] if nothing."""
    settings = backend_settings(context)
    if settings.mode == "REMOTE":
        return []
    return _missing_bundled(settings, backend_process.PREPARE_CHARACTER_MODULES, "Prepare Character")


def _missing_bundled(settings: BackendSettings, modules, purpose: str) -> list[str]:
    """The lines that name the first of `modules` the zip bundles but Blender's Python lacks (a broken install)."""
    python = settings.python or backend_process.default_python()
    missing = backend_process.missing_modules(modules) if backend_process.is_blender_python(python) else []
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        return [f"Blender's Python lacks the module '{missing[0]}'{more}, for {purpose}",
                "Reinstall the Lipwright zip built for this platform (it bundles them),",
                "or set a Python with the backend's dependencies in the add-on preferences"]
    return []


classes = (LipwrightPreferences,)
