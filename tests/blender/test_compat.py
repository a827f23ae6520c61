"""compat: the same calls work on bpy 4.5 and 5.0 (strips vs sequences, slotted actions)."""

import wave

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh


def write_wav(path, seconds=0.5, rate=16000):
    samples = (np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, int(rate * seconds))) * 8000).astype(np.int16)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    return path


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_sound_strips_are_created_found_and_listed(tmp_path):
    from blender_addon import compat

    scene = bpy.context.scene
    assert compat.sequencer_strips(scene) == []
    strip = compat.new_sound_strip(scene, "line", str(write_wav(tmp_path / "a.wav")), channel=2, frame_start=101)
    assert strip.frame_start == 101 and strip.channel == 2
    assert compat.find_strip(scene, "line") == strip
    assert [s.name for s in compat.sound_strips(scene)] == ["line"]
    assert compat.free_channel(scene, 101, 102) == 1
    assert compat.free_channel(scene, 101, 102) != strip.channel


def test_fcurves_through_slots_or_legacy_and_nla_evaluation():
    from blender_addon import compat

    obj = grid_mesh(key_names=("jawOpen",))
    keys = obj.data.shape_keys
    action = bpy.data.actions.new("test")
    slot = compat.new_action_for(action, keys)
    assert (slot is not None) == compat.SLOTTED_ACTIONS
    curve = compat.new_fcurve(action, slot, 'key_blocks["jawOpen"].value')
    curve.keyframe_points.add(2)
    curve.keyframe_points.foreach_set("co", np.array([1, 0.0, 11, 1.0], np.float32))
    curve.update()
    assert [c.data_path for c in compat.action_fcurves(action)] == ['key_blocks["jawOpen"].value']
    keys.animation_data_create()
    track = keys.animation_data.nla_tracks.new()
    strip = track.strips.new("test", 1, action)
    compat.assign_nla_strip_slot(strip, slot)
    bpy.context.scene.frame_set(6)
    assert keys.key_blocks["jawOpen"].value == __import__("pytest").approx(0.5, abs=0.02)
    compat.remove_fcurve(action, slot, curve)
    assert compat.action_fcurves(action) == []


def test_versions_known():
    from blender_addon import compat

    assert compat.SLOTTED_ACTIONS == (bpy.app.version >= (4, 4, 0))
    if bpy.app.version >= (5, 0, 0):  # what compat exists for: both are gone in 5.0
        assert "fcurves" not in bpy.types.Action.bl_rna.properties
        assert "sequences" not in bpy.types.SequenceEditor.bl_rna.properties
