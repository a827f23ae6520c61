"""Bake All's planning, without the model: which character the cast gives each strip (name prefix, channel,
table), what is skipped and why, what fails before the model runs without stopping the others, which
lines are unchanged (their content hash), and subtitle cues matched to strips by time. Real bpy, real
espeak-ng speech read through Blender's mixdown."""

import subprocess

import bpy
import pytest

from tests.blender.conftest import set_fps
from tests.blender.test_layering import face, line_result
from tests.blender.test_line_panel import OperatorRecordingLayout
from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)

pytestmark = pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("cast") / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), "Bob made a map."], check=True)
    return str(path)


def scene_with(wav, strips):
    """strips: [(name, channel, frame)] of one spoken line each."""
    from blender_addon import compat

    scene = bpy.context.scene
    set_fps(scene, 24)
    for name, channel, frame in strips:
        compat.new_sound_strip(scene, name, wav, channel, frame)
    return scene


def cast_rows(scene, rule, rows):
    cast = scene.lipwright_cast
    cast.rule = rule
    for match, character in rows:
        row = cast.rows.add()
        if rule == "CHANNEL":
            row.channel = match
        else:
            row.match = match
        row.character = character
    return cast


def given(scene):
    from blender_addon import scene_bake

    return {strip.name: (obj.name if obj else None, why)
            for strip in scene_bake.scene_strips(scene)
            for obj, why in [scene_bake.character_for(strip, scene.lipwright_cast)]}


def test_each_rule_gives_each_strip_its_character(addon, wav):  # noqa: F811
    scene = scene_with(wav, [("ann_01", 1, 1), ("Ann_Bob_02", 2, 40), ("Bob 03", 3, 80), ("Zed", 4, 120)])
    ann, bob = face("Ann"), face("Bob")
    cast_rows(scene, "PREFIX", [("Ann_", ann), ("Ann_Bob", bob), ("Bob", bob), ("Zed", None)])
    names = given(scene)
    assert {name: who for name, (who, _) in names.items()} == {"ann_01": "Ann", "Ann_Bob_02": "Bob",
                                                               "Bob 03": "Bob", "Zed": None}
    assert "names no character" in names["Zed"][1]

    scene.lipwright_cast.rows.clear()
    cast_rows(scene, "CHANNEL", [(1, ann), (3, bob)])
    names = given(scene)
    assert [names[n][0] for n in ("ann_01", "Ann_Bob_02", "Bob 03")] == ["Ann", None, "Bob"]
    assert names["Ann_Bob_02"][1] == "channel 2 has no character in the cast"

    scene.lipwright_cast.rows.clear()
    scene.lipwright_cast.rule = "TABLE"
    assert bpy.ops.lipwright.fill_cast() == {"FINISHED"}
    assert [row.match for row in scene.lipwright_cast.rows] == ["ann_01", "Ann_Bob_02", "Bob 03", "Zed"]
    scene.lipwright_cast.rows[1].character = ann
    assert [who for who, _ in given(scene).values()] == [None, "Ann", None, None]
    scene.lipwright_cast.rows.clear()
    cast_rows(scene, "CHANNEL", [(3, bob)])
    assert bpy.ops.lipwright.fill_cast() == {"FINISHED"}
    assert [(row.channel, row.character) for row in scene.lipwright_cast.rows] == [(3, bob), (1, None), (2, None),
                                                                                  (4, None)]


def test_planning_skips_fails_and_finds_unchanged_lines_without_stopping(addon, wav):  # noqa: F811
    from blender_addon import bake, compat, scene_bake

    scene = scene_with(wav, [("Ann_01", 1, 1), ("Ann_02", 1, 60), ("Rig_03", 2, 20), ("Zed_04", 3, 90)])
    ann, rig = face("Ann"), face("Rig")
    driver = rig.data.shape_keys.key_blocks["jawOpen"].driver_add("value")  # a face rig sets the jaw
    driver.driver.expression = "0.0"
    compat.find_strip(scene, "Ann_02").mute = True
    cast_rows(scene, "PREFIX", [("Ann_", ann), ("Rig_", rig)])

    plan = scene_bake.plan_bake_all(bpy.context)

    outcome = {line.strip_name: (line.outcome, line.reason) for line in plan.report.lines}
    assert [spec.strip_name for spec in plan.specs] == ["Ann_01"] and outcome["Ann_01"] == ("", "")
    assert outcome["Ann_02"] == ("SKIPPED", "muted in the Sequencer")
    assert outcome["Rig_03"][0] == "FAILED" and "driven by drivers" in outcome["Rig_03"][1]
    assert outcome["Zed_04"] == ("SKIPPED", "no prefix in the cast starts 'Zed_04'")

    # A line baked from exactly these inputs is unchanged; it stays so when its strip only moves.
    spec = plan.specs[0]
    result = line_result(30, 0) | {"meta": {"content_hash": spec.content_hash}}
    bake.bake_result(scene, ann, result, "Ann_01", spec.frame_start, mode="ARKIT", line_id=spec.line_id,
                     sound_start=spec.sound_start)
    assert unchanged(scene) == ["Ann_01"]
    compat.find_strip(scene, "Ann_01").frame_start += 12
    assert unchanged(scene) == ["Ann_01"]  # Sync moved the line with its strip: nothing to run
    # What the line depends on changes: the model, the transcript, the character's mapping.
    scene.lipwright.model = "phonemes"
    compat.find_strip(scene, "Ann_01")["lipwright_transcript"] = "Bob made a map."
    assert unchanged(scene) == []
    compat.find_strip(scene, "Ann_01")["lipwright_transcript"] = ""
    assert unchanged(scene) == ["Ann_01"]
    row = ann.lipwright_face.mapping.add()
    row.source, row.target, row.weight = "jawOpen", "jawOpen", 0.5
    assert unchanged(scene) == []


def unchanged(scene) -> list:
    from blender_addon import scene_bake

    return [line.strip_name for line in scene_bake.plan_bake_all(bpy.context).report.lines
            if line.outcome == "UNCHANGED"]


def test_subtitle_cues_land_on_the_strips_they_overlap_most(addon, wav, tmp_path):  # noqa: F811
    from blender_addon import compat

    scene = scene_with(wav, [("One", 1, 25), ("Two", 2, 49), ("Three", 1, 121)])
    scene.frame_start = 25  # 0 s in the subtitles is the scene's first frame
    spans = {s.name: ((s.frame_final_start - 25) / 24, (s.frame_final_end - 25) / 24)
             for s in compat.sound_strips(scene)}
    path = tmp_path / "scene.vtt"
    path.write_text(
        "WEBVTT\n\nNOTE the first line\n\n"
        f"00:00.000 --> 00:00.{round(spans['One'][1] * 1000) - 300:03d}\n<v Ann>Bob made</v>\n\n"
        f"cue-2\n00:00.{round(spans['One'][1] * 1000) - 300:03d} --> 00:{spans['One'][1]:06.3f}\n- a map.\n\n"
        f"00:{spans['Two'][0] + 0.1:06.3f} --> 00:{spans['Two'][1] + 0.2:06.3f} align:start\nBOB: Put it back.\n\n"
        "00:20.000 --> 00:21.000\nNobody is here.\n\n"
        "00:04.100 --> 00:04.500\n[music]\n", encoding="utf-8")
    scene.lipwright_cast.subtitles = str(path)

    assert bpy.ops.lipwright.load_subtitles() == {"FINISHED"}

    transcripts = {s.name: s.get("lipwright_transcript") for s in compat.sound_strips(scene)}
    assert transcripts == {"One": "Bob made a map.", "Two": "Put it back.", "Three": None}


def test_an_unreadable_subtitle_file_is_refused_with_its_name(addon, wav, tmp_path):  # noqa: F811
    from blender_addon import compat

    scene = scene_with(wav, [("One", 1, 1)])
    scene.lipwright_cast.subtitles = str(tmp_path / "missing.srt")
    with pytest.raises(RuntimeError, match="missing.srt"):
        bpy.ops.lipwright.load_subtitles()
    (tmp_path / "bad.srt").write_text("1\n00:00:01 --> soon\nHello\n")
    scene.lipwright_cast.subtitles = str(tmp_path / "bad.srt")
    with pytest.raises(RuntimeError, match="is not 'HH:MM:SS,mmm"):
        bpy.ops.lipwright.load_subtitles()
    assert "lipwright_transcript" not in compat.find_strip(scene, "One")


def test_the_bake_all_report_is_drawn(addon):  # noqa: F811
    from blender_addon import scene_bake
    from tests.blender.test_scene_bake import draw_panel

    scene_bake.show_report(scene_bake.BakeAllReport([
        scene_bake.LineOutcome("Ann_01", "Ann", "BAKED", "frames 1-20"),
        scene_bake.LineOutcome("Zed", "", "SKIPPED", "no prefix in the cast starts 'Zed'"),
        scene_bake.LineOutcome("Bob_02", "Bob", "FAILED", "the backend said no"),
    ]))
    record = draw_panel()
    assert ("label", "1 baked, 1 skipped, 1 failed") in record
    shown, items = bpy.context.window_manager.lipwright_bake_all, []
    layout = OperatorRecordingLayout(items)
    for item in shown.lines:  # each row of the report list, as the UIList draws it
        bpy.types.LIPWRIGHT_UL_bake_all.draw_item(None, bpy.context, layout, shown, item, "NONE", shown, "lines_index")
    assert items == [("label", "Ann_01 → Ann: frames 1-20"), ("label", "Zed: no prefix in the cast starts 'Zed'"),
                     ("label", "Bob_02 → Bob: the backend said no")]
    cast = bpy.context.scene.lipwright_cast
    row = cast.rows.add()
    for rule, shown_field in (("PREFIX", "match"), ("CHANNEL", "channel")):
        cast.rule, items[:] = rule, []
        bpy.types.LIPWRIGHT_UL_cast.draw_item(None, bpy.context, layout, cast, row, "NONE", cast, "rows_index")
        assert items == [("prop", shown_field), ("prop", "character")]


def test_cancel_while_the_strips_are_read_runs_and_bakes_nothing(addon, wav, monkeypatch):  # noqa: F811
    from blender_addon import job_runner, scene_bake

    monkeypatch.setattr(scene_bake, "PLAN_SLICE_SECONDS", 0.0)  # one strip per tick, on any machine
    scene = scene_with(wav, [(f"Ann_{i:02d}", 1 + i % 2, 1 + 40 * i) for i in range(6)])
    cast_rows(scene, "PREFIX", [("Ann_", face("Ann"))])
    batch_before = job_runner.current_batch()
    state = bpy.context.window_manager.lipwright_job
    scene_bake.start_bake_all(bpy.context, background=False)
    planner = scene_bake.current_planner()
    tick = planner.poll
    try:
        assert tick() == 0.0 and state.running  # one slice read, more to come
        assert bpy.ops.lipwright.cancel() == {"FINISHED"}
        assert tick() is None
    finally:
        if bpy.app.timers.is_registered(tick):
            bpy.app.timers.unregister(tick)
    report = scene_bake.last_report()
    assert [line.outcome for line in report.lines] == ["SKIPPED"] * 6
    assert {line.reason for line in report.lines} == {"Bake All was cancelled"}
    assert job_runner.current_batch() is batch_before and not state.running
    assert not bpy.data.actions  # nothing baked


def test_opening_another_file_while_the_strips_are_read_names_every_strip(addon, wav, monkeypatch):  # noqa: F811
    from blender_addon import scene_bake

    # One strip per tick, on any machine: a fast one read all four in one slice and started the batch.
    monkeypatch.setattr(scene_bake, "PLAN_SLICE_SECONDS", 0.0)
    scene = scene_with(wav, [(f"Ann_{i:02d}", 1, 1 + 40 * i) for i in range(4)])
    cast_rows(scene, "PREFIX", [("Ann_", face("Ann"))])
    scene_bake.start_bake_all(bpy.context, background=False)
    tick = scene_bake.current_planner().poll
    tick()
    assert scene_bake.abandon() == [f"Ann_{i:02d}" for i in range(4)]
    assert not bpy.app.timers.is_registered(tick) and scene_bake.current_planner() is None
