"""The line's operators from the panel: preview with sound, export as Live Link Face CSV; the sub-panels draw."""

import csv
import re

import bpy
import numpy as np
import pytest

from tests.blender.test_line_store import baked_face, real_line, registered  # noqa: F401  (fixtures)
from tests.blender.test_panel import RecordingLayout


@pytest.mark.sound_strips
def test_preview_sets_the_range_to_the_line_and_goes_to_its_start(registered, real_line):
    scene, obj, strip = baked_face(real_line)
    scene.frame_set(7)
    assert bpy.ops.lipwright.preview_line() == {"FINISHED"}
    assert scene.use_preview_range
    assert (scene.frame_preview_start, scene.frame_preview_end) == (int(strip.frame_final_start), int(strip.frame_final_end) - 1)
    assert scene.frame_current == 101


@pytest.mark.sound_strips
def test_export_writes_live_link_face_csv_with_the_lines_controls(registered, real_line, tmp_path):
    scene, obj, strip = baked_face(real_line)
    strip.lipwright_line.intensity = 1.5
    path = tmp_path / "line 01.csv"
    assert bpy.ops.lipwright.export_csv(filepath=str(path)) == {"FINISHED"}
    rows = list(csv.reader(path.open(newline="")))
    header, body = rows[0], rows[1:]
    result = real_line[1]
    assert header[:3] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft"] and header[-1] == "RightEyeRoll"
    assert len(header) == 63 and len(body) == len(result["weights"])
    assert body[0][0] == "00:00:04:04.000"  # frame 101 at 24 fps, from the scene's frame 1
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d:\d\d\.000", row[0]) for row in body)
    jaw = np.array([float(row[header.index("JawOpen")]) for row in body])
    expected = np.clip(1.5 * result["weights"][:, list(result["weight_names"]).index("jawOpen")], 0, 1)
    np.testing.assert_allclose(jaw, expected, atol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line 01.csv"]  # no temporary file left


@pytest.mark.sound_strips
def test_export_refuses_a_line_that_was_not_generated(registered, tmp_path):
    from blender_addon import compat
    from tests.blender.conftest import grid_mesh
    from tests.blender.test_compat import write_wav

    scene = bpy.context.scene
    compat.new_sound_strip(scene, "Line 02", str(write_wav(tmp_path / "a.wav")), 1, 1)
    scene.lipwright.target, scene.lipwright.sound_strip = grid_mesh(key_names=("jawOpen",)), "Line 02"
    assert not bpy.ops.lipwright.export_csv.poll()
    assert not (tmp_path / "x.csv").exists()


class Recording(RecordingLayout):
    """The shared recording layout, plus what the sub-panels use."""

    def operator(self, idname, icon="NONE", **kwargs):
        super().operator(idname, icon, **kwargs)
        return type("Properties", (), {})()  # the operator's properties, which the panel may set

    def prop_search(self, data, name, search_data, search_name, **_):
        assert name in data.bl_rna.properties and search_name in search_data.bl_rna.properties
        self.record.append(("prop_search", name))

    def template_list(self, list_type, list_id, data, name, active_data, active_name, **_):
        assert hasattr(bpy.types, list_type) and name in data.bl_rna.properties
        self.record.append(("list", name))


@pytest.mark.sound_strips
def test_the_sub_panels_draw_the_lines_controls_mapping_and_blinks(registered, real_line):
    scene, obj, strip = baked_face(real_line, key_names=("AI", "O", "MBP", "eyeBlinkLeft"))
    bpy.ops.lipwright.reset_mapping()
    record = []
    panel = type("Panel", (), {"layout": Recording(record)})()
    for name in ("LIPWRIGHT_PT_line", "LIPWRIGHT_PT_mapping", "LIPWRIGHT_PT_blinks"):
        getattr(bpy.types, name).draw(panel, bpy.context)
    assert {("prop", "intensity"), ("prop", "smoothing"), ("prop", "reduction"), ("list", "mapping"),
            ("prop", "blink_interval")} <= set(record)
    assert {"lipwright.apply_controls", "lipwright.preview_line", "lipwright.export_csv", "lipwright.reset_mapping",
            "lipwright.make_blinks"} <= {name for kind, name in record if kind == "operator"}
    item = obj.lipwright_face.mapping[0]
    bpy.types.LIPWRIGHT_UL_mapping.draw_item(None, bpy.context, Recording(record), obj.lipwright_face, item, 0, None, "")
    assert ("prop_search", "target") in record


def test_the_face_operators_edit_the_mapping_and_add_blinks(registered):
    from blender_addon import blinks
    from tests.blender.conftest import grid_mesh

    scene = bpy.context.scene
    obj = grid_mesh(key_names=("MBP", "AI", "eyeBlinkLeft", "eyeBlinkRight"))
    scene.lipwright.target = obj
    assert bpy.ops.lipwright.reset_mapping() == {"FINISHED"}
    count = len(obj.lipwright_face.mapping)
    assert count > 3
    assert bpy.ops.lipwright.mapping_row() == {"FINISHED"} and len(obj.lipwright_face.mapping) == count + 1
    assert bpy.ops.lipwright.mapping_row(remove=True) == {"FINISHED"} and len(obj.lipwright_face.mapping) == count
    assert "UNDO" in bpy.types.LIPWRIGHT_OT_make_blinks.bl_options
    assert bpy.ops.lipwright.make_blinks() == {"FINISHED"}
    assert blinks.TRACK in [t.name for t in obj.data.shape_keys.animation_data.nla_tracks]
    assert bpy.ops.lipwright.make_blinks(remove=True) == {"FINISHED"}
    assert not obj.data.shape_keys.animation_data.nla_tracks


@pytest.mark.sound_strips
def test_the_export_starts_where_the_line_plays_after_its_nla_strip_was_moved(registered, real_line):
    from blender_addon import bake, line_control_operators, line_store

    scene, obj, strip = baked_face(real_line)  # baked from frame 101 at 24 fps, scene from frame 1
    assert line_control_operators.line_weights_for_export(scene, obj, "Line 01")[3] == pytest.approx(100 / 24)
    line_store.line_nla_strip(obj, "Line 01").frame_start = 125 - bake.EASE_FRAMES  # slid 24 frames later
    assert line_control_operators.line_weights_for_export(scene, obj, "Line 01")[3] == pytest.approx(124 / 24)
