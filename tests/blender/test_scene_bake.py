"""Bake All on a dialogue scene, end to end: three characters (the default head, three times), twelve short
lines of espeak-ng speech, transcripts from one subtitle file, the real backend on 127.0.0.1 started by the
add-on, real Blender (4.5 and 5.0). Each strip lands on its character at its frames; a re-run after one
transcript changed re-bakes that line alone and keeps the animator's tweaks on the others; a line that fails
leaves its previous bake as it was while the rest go on; two overlapping lines of one character hand over
without a pop."""

import os
import shutil
import subprocess
import time
import types
from pathlib import Path

import bpy
import numpy as np
import pytest

from tests.blender.test_layering import user_tweak_track
from tests.blender.test_line_panel import OperatorRecordingLayout
from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)

pytestmark = pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there

REPO = Path(__file__).resolve().parents[2]
BACKEND_PYTHON = os.environ.get("LIPWRIGHT_BACKEND_PYTHON", str(REPO / ".venv" / "bin" / "python"))
FPS = 24
# (strip name, words, first frame, channel): Ann's second line starts while her first still plays.
LINES = [
    ("Ann_01", "Hi Bob.", 1, 1), ("Ann_02", "Map the moon.", 12, 4), ("Bob_03", "Put it back.", 40, 2),
    ("Cat_04", "Come home.", 70, 3), ("Ann_05", "Maybe.", 100, 1), ("Bob_06", "Okay.", 130, 2),
    ("Cat_07", "Oh my.", 160, 3), ("Ann_08", "Bye now.", 190, 1), ("Bob_09", "We ate apples.", 220, 2),
    ("Cat_10", "Papa made pie.", 250, 3), ("Bob_11", "By the sea.", 280, 2), ("Cat_12", "Move it.", 310, 3),
]
CHARACTERS = ("Ann", "Bob", "Cat")
STRANGER = "Zed_13"  # no character in the cast: skipped, with the reason


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict:
    """{strip name: WAV path} of every line and the stranger's, spoken by espeak-ng."""
    assert shutil.which("espeak-ng"), "espeak-ng is not installed (run `make setup`)"
    folder = tmp_path_factory.mktemp("dialogue")
    paths = {}
    for name, words, _, _ in LINES + [(STRANGER, "Who is there?", 0, 0)]:
        paths[name] = folder / f"{name}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "190", "-w", str(paths[name]), words], check=True)
    return paths


@pytest.fixture()
def backend_env(addon, monkeypatch):  # noqa: F811
    from blender_addon import backend_process

    monkeypatch.setenv("LIPWRIGHT_BACKEND_PYTHON", BACKEND_PYTHON)
    monkeypatch.setenv("PYTHONPATH", str(REPO / "backend"))
    backend_process.stop_local_backend()
    yield
    backend_process.stop_local_backend()


def stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"00:{millis // 60000:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"


def dialogue_scene(speech, subtitles_path):
    """The scene: three heads, the twelve strips and the stranger's, the cast by name prefix, and an SRT
    file whose cues say each line, over each strip's time (0 s is the scene's first frame)."""
    from blender_addon import compat

    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    heads = {}
    for index, name in enumerate(CHARACTERS):
        assert bpy.ops.lipwright.add_head() == {"FINISHED"}, bpy.context.window_manager.lipwright_job.last_error
        heads[name] = bpy.context.view_layer.objects.active
        heads[name].name = name
        heads[name].location.x = index * 3.0
    cues = []
    for name, words, frame, channel in LINES:
        strip = compat.new_sound_strip(scene, name, str(speech[name]), channel, frame)
        cues.append((f"<i>{name[:3].upper()}:</i> {words}" if frame % 2 else words,
                     (strip.frame_final_start - 1) / FPS, (strip.frame_final_end - 1) / FPS))
    compat.new_sound_strip(scene, STRANGER, str(speech[STRANGER]), 5, 340)
    scene.frame_start, scene.frame_end = 1, 380
    cues.append(("[door slams]", 14.0, 15.0))  # no words: no transcript
    subtitles_path.write_text("\n".join(f"{i + 1}\n{stamp(a)} --> {stamp(b)}\n{text}\n"
                                        for i, (text, a, b) in enumerate(cues)), encoding="utf-8")
    cast = scene.lipwright_cast
    cast.rule = "PREFIX"
    for name in CHARACTERS:
        row = cast.rows.add()
        row.match, row.character = name + "_", heads[name]
    cast.subtitles = str(subtitles_path)
    return scene, heads


def outcomes() -> dict:
    from blender_addon import scene_bake

    return {line.strip_name: (line.outcome, line.character, line.reason) for line in scene_bake.last_report().lines}


def line_actions(scene, heads) -> dict:
    """{strip name: (character, its line's action)} for every line on every head."""
    from blender_addon import bake, compat, scene_data

    found = {}
    for character, obj in heads.items():
        for name, _, _, _ in LINES:
            track = bake.lipwright_tracks(obj).get(scene_data.strip_id(compat.find_strip(scene, name)))
            if track is not None:
                assert name not in found, f"{name} is on {found[name][0]} and {character}"
                found[name] = (character, track.strips[0].action)
    return found


def jaws(scene, heads, frames) -> dict:
    table = {name: [] for name in heads}
    for frame in frames:
        scene.frame_set(int(frame))
        for name, obj in heads.items():
            table[name].append(obj.data.shape_keys.key_blocks["jawOpen"].value)
    return {name: np.array(values) for name, values in table.items()}


def line_alone(action, frames) -> np.ndarray:
    """The line's own jawOpen at scene frames (its action's keys are in scene frames; 0 outside)."""
    from blender_addon import compat

    curve = next(c for c in compat.action_fcurves(action) if c.data_path == 'key_blocks["jawOpen"].value')
    lo, hi = curve.range()
    return np.array([curve.evaluate(f) if lo <= f <= hi else 0.0 for f in frames])


def test_a_dialogue_scene_bakes_rebakes_what_changed_and_keeps_tweaks(backend_env, speech, tmp_path, monkeypatch):
    from blender_addon import bake, compat, line_store, scene_bake

    scene, heads = dialogue_scene(speech, tmp_path / "scene.srt")
    assert bpy.ops.lipwright.load_subtitles() == {"FINISHED"}
    for name, words, _, _ in LINES:  # every cue on its own strip, cleaned of markup and speaker labels
        assert compat.find_strip(scene, name)["lipwright_transcript"] == words, name
    assert "lipwright_transcript" not in compat.find_strip(scene, STRANGER)

    assert bpy.ops.lipwright.bake_all() == {"FINISHED"}

    report = outcomes()
    assert {name: report[name][:2] for name, *_ in LINES} == {name: ("BAKED", name[:3]) for name, *_ in LINES}, report
    assert report[STRANGER][0] == "SKIPPED" and "no prefix" in report[STRANGER][2]
    baked = line_actions(scene, heads)
    frames = np.arange(1, 380)
    jaw = jaws(scene, heads, frames)
    for name, _, _, _ in LINES:
        character, action = baked[name]
        strip = compat.find_strip(scene, name)
        assert character == name[:3]
        assert int(action[line_store.FRAME_START]) == strip.frame_final_start
        span = (frames >= strip.frame_final_start) & (frames < strip.frame_final_end)
        assert jaw[character][span].max() > 0.05, f"{name}: the mouth of {character} never opens"
    for character, obj in heads.items():  # outside its own lines (and their eases) a face is at rest
        own = [compat.find_strip(scene, name) for name, *_ in LINES if name.startswith(character)]
        quiet = np.array([all(f < s.frame_final_start - 3 or f > s.frame_final_end + 3 for s in own) for f in frames])
        assert np.abs(jaw[character][quiet]).max() < 1e-4, character

    # Ann's two overlapping lines hand over without a pop and never add up.
    first, second = (baked[name][1] for name in ("Ann_01", "Ann_02"))
    window = np.arange(1, 45)
    alone = np.array([line_alone(first, window), line_alone(second, window)])
    both = jaw["Ann"][: len(window)]
    assert np.all(both <= alone.max(axis=0) + 1e-3)
    first_strip = bake.lipwright_tracks(heads["Ann"])[first["lipwright_line"]].strips[0]
    second_strip = bake.lipwright_tracks(heads["Ann"])[second["lipwright_line"]].strips[0]
    overlap = first_strip.frame_end - second_strip.frame_start
    assert overlap > 6 and second_strip.use_animated_influence
    bound = np.abs(np.diff(alone, axis=1)).max() + np.abs(alone[0] - alone[1]).max() / (overlap / 2)
    assert np.abs(np.diff(both)).max() <= bound + 1e-3

    # The animator tweaks two lines: a key of their own in Ann_05's action, a tweak track above Bob_09.
    ann_action = baked["Ann_05"][1]
    ann_curve = next(c for c in compat.action_fcurves(ann_action) if c.data_path == 'key_blocks["jawOpen"].value')
    middle = len(ann_curve.keyframe_points) // 2
    ann_curve.keyframe_points[middle].co.y = 0.9
    ann_curve.update()
    bob_tracks = bake.lipwright_tracks(heads["Bob"])
    tweak = user_tweak_track(heads["Bob"], bob_tracks[baked["Bob_09"][1]["lipwright_line"]])
    before = jaws(scene, heads, frames)
    order_before = [t.name for t in heads["Bob"].data.shape_keys.animation_data.nla_tracks]
    old_hash = baked["Bob_06"][1][line_store.CONTENT_HASH]
    compat.find_strip(scene, "Bob_06")["lipwright_transcript"] = "Okay then."

    monkeypatch.setattr(scene_bake, "PLAN_SLICE_SECONDS", 0.0)  # one strip per tick, on any machine
    run_as_the_ui_does()

    report = outcomes()
    assert report["Bob_06"][0] == "BAKED"
    assert {name for name, (outcome, *_) in report.items() if outcome == "UNCHANGED"} == \
        {name for name, *_ in LINES} - {"Bob_06"}
    again = line_actions(scene, heads)
    assert all(again[name][1] == baked[name][1] for name, *_ in LINES if name != "Bob_06")
    assert again["Bob_06"][1][line_store.CONTENT_HASH] != old_hash
    assert [t.name for t in heads["Bob"].data.shape_keys.animation_data.nla_tracks] == order_before
    assert tweak.name in order_before and ann_curve.keyframe_points[middle].co.y == pytest.approx(0.9)
    after = jaws(scene, heads, frames)
    bob_06 = compat.find_strip(scene, "Bob_06")
    elsewhere = (frames < bob_06.frame_final_start - 3) | (frames > bob_06.frame_final_end + 3)
    np.testing.assert_allclose(after["Ann"], before["Ann"], atol=1e-5)  # the user's key plays as before
    np.testing.assert_allclose(after["Cat"], before["Cat"], atol=1e-5)
    np.testing.assert_allclose(after["Bob"][elsewhere], before["Bob"][elsewhere], atol=1e-5)  # with the tweak

    # One line fails at the backend (a transcript over its limit for a short line), one changed, one moves to
    # another character: the failed line keeps its previous bake, the report says why, the others are baked.
    cat_10 = again["Cat_10"][1]
    cat_keys = {c.data_path: len(c.keyframe_points) for c in compat.action_fcurves(cat_10)}
    compat.find_strip(scene, "Cat_10")["lipwright_transcript"] = "apples " * 1000
    compat.find_strip(scene, "Ann_08")["lipwright_transcript"] = "Bye for now."
    recast = scene.lipwright_cast.rows.add()  # Cat's last line goes to Ann now (the longest prefix wins)
    recast.match, recast.character = "Cat_12", heads["Ann"]

    assert bpy.ops.lipwright.bake_all() == {"FINISHED"}

    report = outcomes()
    assert report["Cat_10"][0] == "FAILED" and "transcript" in report["Cat_10"][2], report["Cat_10"]
    assert report["Ann_08"][0] == "BAKED"
    assert report["Cat_12"][:2] == ("BAKED", "Ann") and "moved off Cat" in report["Cat_12"][2]
    assert sum(outcome == "UNCHANGED" for outcome, *_ in report.values()) == 9
    last = line_actions(scene, heads)
    assert last["Cat_12"][0] == "Ann"  # and on no other head (line_actions checks)
    assert last["Cat_10"][1] == cat_10 and {c.data_path: len(c.keyframe_points)
                                            for c in compat.action_fcurves(cat_10)} == cat_keys
    shown = bpy.context.window_manager.lipwright_bake_all.lines
    assert [(line.strip, line.outcome) for line in shown] == [(n, report[n][0]) for n in report]
    assert "1 failed" in bpy.context.window_manager.lipwright_job.last_report
    assert bpy.context.window_manager.lipwright_job.last_error.startswith("Cat_10: ")  # atop the main panel
    draw_panel()


def run_as_the_ui_does():
    """Bake All as in a Blender with a window: the jobs run on a worker thread while the timer callback,
    called here as Blender's event loop would, hands them over; nothing is baked until the batch ends."""
    from blender_addon import job_runner, scene_bake

    state = bpy.context.window_manager.lipwright_job
    batch_before = job_runner.current_batch()
    report = scene_bake.start_bake_all(bpy.context, background=False)
    planner = scene_bake.current_planner()
    pumped, reading = [planner.poll], []
    try:
        while planner.poll() is not None:  # the strips are read a slice at a time
            reading.append(state.running and state.message)
        batch = job_runner.current_batch()
        assert batch is not batch_before
        pumped.append(batch.poll)
        seen_running = []
        while batch.poll() is not None:
            seen_running.append(state.running and not any(line.outcome for line in report.lines
                                                           if line.strip_name == "Bob_06"))
            time.sleep(0.05)
    finally:
        for poll in pumped:  # Blender unregisters a timer whose callback returned None
            if bpy.app.timers.is_registered(poll):
                bpy.app.timers.unregister(poll)
            job_runner.forget_timer(poll)
    assert all(reading) and any(message.startswith("Reading strip") for message in reading), reading
    assert seen_running and all(seen_running) and not state.running and state.progress == 1.0


class ListRecordingLayout(OperatorRecordingLayout):
    def template_list(self, list_type, list_id, data, name, active_data, active_name, **_):
        assert hasattr(bpy.types, list_type) and name in data.bl_rna.properties
        assert active_name in active_data.bl_rna.properties
        self.record.append(("list", name))


def draw_panel() -> list:
    record = []
    panel = types.SimpleNamespace(layout=ListRecordingLayout(record))
    bpy.types.LIPWRIGHT_PT_bake_all.draw(panel, bpy.context)
    assert ("list", "rows") in record and ("list", "lines") in record and ("operator", "lipwright.bake_all") in record
    return record
