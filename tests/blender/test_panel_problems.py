"""What went wrong is the first thing the panel shows: its cause in one line, the details in the console."""

from pathlib import Path

import bpy

from tests.blender.test_panel import addon, draw  # noqa: F401  (the registered add-on fixture)

REPO = Path(__file__).resolve().parents[2]


def test_an_async_failure_shows_its_cause_first_and_the_details_in_the_console(addon, capsys, monkeypatch):
    from blender_addon import operators

    # A backend Python of its own: no first-run problem with Blender's Python comes before the error.
    monkeypatch.setenv("LIPWRIGHT_BACKEND_PYTHON", str(REPO / ".venv" / "bin" / "python"))

    state = bpy.context.window_manager.lipwright_job
    operators._add_error(state, "Line 01: the backend exited at start (code 1): boom\nTraceback (most recent call last):\n  ...")
    assert state.last_error == "Line 01: the backend exited at start (code 1): boom"
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    labels = [entry for entry in draw(bpy.context) if entry[0] == "label"]
    assert labels[0] == ("label", "Line 01: the backend exited at start (code 1): boom")
    state.last_error = ""


def test_a_remote_backend_elsewhere_needs_online_access(addon):
    from blender_addon.client import BackendError
    from blender_addon.preferences import BackendSettings

    assert bpy.app.online_access is False  # the bpy module starts offline, like a fresh Blender
    remote = BackendSettings(mode="REMOTE", url="http://192.0.2.1:8765", online_access=bpy.app.online_access)
    try:
        remote.connect()
    except BackendError as error:
        assert "Preferences > System > Network > Allow Online Access" in str(error)
    else:
        raise AssertionError("a remote backend was reached with online access off")
