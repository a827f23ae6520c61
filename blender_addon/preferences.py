"""Add-on preferences: run the bundled backend locally with a chosen Python, or use a remote one (URL + token)."""

import shlex
from dataclasses import dataclass

import bpy

from . import backend_process
from .client import Client


@dataclass
class BackendSettings:
    """A plain copy of the preferences, safe to hand to the job thread."""

    mode: str = "LOCAL"
    python: str = ""
    extra_args: tuple = ()
    url: str = "http://127.0.0.1:8765"
    token: str = ""
    startup_timeout: float = 120.0

    def connect(self) -> Client:
        """A client for a working backend; starts the local one when needed (blocking)."""
        if self.mode == "REMOTE":
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
        description="Python of the environment with the backend's dependencies (empty: the set-up's .venv, else python3)",
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
                layout.label(text=f"Using {backend_process.default_python()}", icon="INFO")
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
        startup_timeout=prefs.startup_timeout,
    )


classes = (LipwrightPreferences,)
