"""Opening another file while a batch runs cancels it cleanly and says which lines were not baked."""

import bpy

from blender_addon.client import BackendError


def test_opening_a_file_mid_batch_cancels_and_says_which_lines_were_lost(addon, tmp_path):
    from blender_addon import job_runner

    other = tmp_path / "other.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(other))
    addon.register()
    try:
        def unreachable():
            raise BackendError("the backend is not running")

        handed = []
        specs = [job_runner.JobSpec(b"request", "Scene", "Face", name, 1, "ARKIT") for name in ("Line 01", "Line 02")]
        batch = job_runner.start_batch(specs, unreachable, handed.append, lambda b: None, background=False)
        for job in batch.jobs:
            assert job.finished.wait(10)
        assert bpy.app.timers.is_registered(batch.poll) and handed == []

        bpy.ops.wm.open_mainfile(filepath=str(other))  # before Blender's event loop hands the lines over

        assert not bpy.app.timers.is_registered(batch.poll) and handed == []
        assert batch.handed_over == len(batch.jobs)  # nothing left to hand to the new file
        state = bpy.context.window_manager.lipwright_job
        assert "not baked: Line 01, Line 02" in state.last_error and not state.running
    finally:
        addon.unregister()
