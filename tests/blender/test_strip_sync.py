"""Follow the strip: the mouth plays with the sound as the user hears it (offset, trims, fades, fps),
moves and renames with its strip, and a line can be removed. Real speech (espeak-ng), real model
(the backend's job function, in this process), real Blender mixdowns."""

import os
import subprocess
import wave
from pathlib import Path

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, set_fps
from tests.blender.test_end_to_end import BACKEND_PYTHON

pytestmark = pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there

SPEECH = "Bob made a map of the moon."
CUT_OFF = "Put the pot back please."  # said after SPEECH, then trimmed off the strip's end


def read_wav(path):
    with wave.open(str(path)) as handle:
        rate, channels = handle.getframerate(), handle.getnchannels()
        samples = np.frombuffer(handle.readframes(handle.getnframes()), np.int16).reshape(-1, channels)
    return samples[:, 0].astype(np.float32) / 32768.0, rate


def write_wav(path, samples, rate):
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())


def speak(tmp_path, text, name):
    path = tmp_path / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return read_wav(path)


def dialogue(tmp_path, lead_silence=1.0):
    """lead_silence s of silence, SPEECH, 0.6 s, CUT_OFF: returns the file and where CUT_OFF starts (s)."""
    first, rate = speak(tmp_path, SPEECH, "first")
    second, _ = speak(tmp_path, CUT_OFF, "second")
    gap = np.zeros(int(0.6 * rate), np.float32)
    samples = np.concatenate((np.zeros(int(lead_silence * rate), np.float32), first, gap, second))
    path = tmp_path / "dialogue.wav"
    write_wav(path, samples, rate)
    return path, lead_silence + (len(first) + len(gap)) / rate


def loud_frames(samples, rate, fps, first_frame, threshold=0.02):
    """Scene frames whose audio is above threshold (RMS per frame)."""
    per_frame = rate / fps
    count = int(len(samples) / per_frame)
    rms = np.array([np.sqrt(np.mean(samples[int(i * per_frame):int((i + 1) * per_frame)] ** 2)) for i in range(count)])
    return first_frame + np.flatnonzero(rms > threshold)


def heard_in_scene(scene, tmp_path):
    """What the user hears: Blender's mixdown of the whole scene, frame by frame."""
    path = tmp_path / "scene_mix.wav"
    bpy.ops.sound.mixdown(filepath=str(path), container="WAV", codec="PCM", format="S16", channels="MONO",
                          mixrate=16000, check_existing=False)
    samples, rate = read_wav(path)
    return loud_frames(samples, rate, scene.render.fps / scene.render.fps_base, scene.frame_start)


def arkit_face():
    from blender_addon.arkit_names import ARKIT_NAMES

    obj = grid_mesh(key_names=ARKIT_NAMES)
    for block in obj.data.shape_keys.key_blocks:
        block.value = 0.0
    return obj


RUN_JOB = (
    "import sys; from lipwright.jobs.animation_job import run_animation_job; "
    "sys.stdout.buffer.write(run_animation_job(sys.stdin.buffer.read(), lambda f, m: None, 'cpu'))"
)


def run_with_backend(code: str, stdin: bytes = b"") -> bytes:
    """stdout of `code` run by the backend's Python (the bpy 5.0 and 4.2 environments lack the backend)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "backend"))
    done = subprocess.run([BACKEND_PYTHON, "-c", code], input=stdin, capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout


def generate(context, strip):
    """What Generate does for one line, the backend's job function run by the backend's Python
    (the bpy 5.0 environment has none of the backend's dependencies)."""
    from blender_addon import operators, wire

    job = operators.job_spec(context, strip)
    result = wire.decode_result(run_with_backend(RUN_JOB, job.request))

    class Finished:  # the shape of a finished job_runner.Job that apply_job reads
        spec, decoded, basis = job, result, None

    return operators.apply_job(Finished)


def jaw_curve(obj, frames):
    scene = bpy.context.scene
    values = []
    for frame in frames:
        scene.frame_set(frame)
        values.append(obj.data.shape_keys.key_blocks["jawOpen"].value)
    return np.array(values)


@pytest.mark.parametrize("fps, base", [(24, 1.0), (30, 1.001)])
def test_an_offset_trimmed_strip_bakes_in_sync_with_what_is_heard(addon, tmp_path, fps, base):
    from blender_addon import compat

    addon.register()
    try:
        scene = bpy.context.scene
        set_fps(scene, fps, base)
        rate = fps / base
        path, cut_at = dialogue(tmp_path)
        strip = compat.new_sound_strip(scene, "Line 01", str(path), 1, 20)
        strip["lipwright_transcript"] = SPEECH
        strip.sound_offset = 0.5                     # the sound plays 0.5 s later than the strip starts
        strip.frame_offset_start = 6                 # trimmed into the leading silence
        cut_frame = strip.frame_start + (0.5 + cut_at) * rate
        strip.frame_offset_end = int(strip.frame_final_end - cut_frame) + 4  # the second sentence is cut off
        scene.frame_start, scene.frame_end = 1, int(strip.frame_final_end) + 80
        heard = heard_in_scene(scene, tmp_path)
        assert heard.size and heard.max() < strip.frame_final_end  # the cut-off sentence is not heard
        obj = arkit_face()
        scene.lipwright.target = obj

        report = generate(bpy.context, strip)

        assert report.frame_start == strip.frame_final_start
        frames = np.arange(1, scene.frame_end)
        jaw = jaw_curve(obj, frames)
        opened = frames[jaw > 0.1]
        assert opened.size, "the mouth never opened"
        speech_start, speech_end = heard.min(), heard.max()
        assert speech_start - 3 <= opened.min() <= speech_start + 6   # old code: 12-15 frames early
        assert speech_end - 8 <= opened.max() <= speech_end + 6
        after = frames > strip.frame_final_end + 3  # where the trimmed-off sentence would have played
        assert np.abs(jaw[after]).max() < 1e-6
    finally:
        addon.unregister()


def test_a_faded_out_part_of_the_strip_is_silence(addon, tmp_path):
    from blender_addon import compat, scene_data

    scene = bpy.context.scene
    set_fps(scene, 24)
    path, cut_at = dialogue(tmp_path, lead_silence=0.2)
    strip = compat.new_sound_strip(scene, "Line 01", str(path), 1, 1)
    cut_frame = 1 + cut_at * 24
    strip.volume = 1.0
    strip.keyframe_insert("volume", frame=int(cut_frame) - 3)
    strip.volume = 0.0
    strip.keyframe_insert("volume", frame=int(cut_frame) - 1)
    audio = scene_data.strip_audio(scene, strip)
    mix = tmp_path / "line.wav"
    mix.write_bytes(audio.data)
    samples, rate = read_wav(mix)
    loud = loud_frames(samples, rate, 24, audio.frame_start)
    assert audio.mixed and audio.frame_start == 1 and loud.size
    assert loud.max() < cut_frame  # the faded-out sentence is not sent to the model
    assert [s.mute for s in compat.sound_strips(scene)] == [False] and (scene.frame_start, scene.frame_end) == (1, 250)


def test_a_moved_and_renamed_strip_takes_its_line_along(addon, tmp_path):
    from blender_addon import bake, compat, line_sync, scene_data
    from tests.blender.test_layering import line_result

    scene = bpy.context.scene
    set_fps(scene, 24)
    path, _ = dialogue(tmp_path, lead_silence=0.2)
    strip = compat.new_sound_strip(scene, "Line 01", str(path), 1, 30)
    obj = arkit_face()
    audio = scene_data.strip_audio(scene, strip)
    line = scene_data.strip_id(strip)
    bake.bake_result(scene, obj, line_result(40, 0), strip.name, audio.frame_start, mode="ARKIT",
                     line_id=line, sound_start=audio.sound_start)
    before = jaw_curve(obj, np.arange(30, 70))

    strip.frame_start += 25
    strip.name = "Bob's line"
    report = line_sync.sync_lines(scene, obj)

    assert report.moved == ["Bob's line"] and report.renamed == [("Line 01", "Bob's line")]
    np.testing.assert_allclose(jaw_curve(obj, np.arange(55, 95)), before, atol=1e-6)
    tracks = [t.name for t in obj.data.shape_keys.animation_data.nla_tracks]
    assert tracks == [bake.BASE_TRACK, "Lipwright Bob's line"]
    # A re-bake after the rename replaces the line in place: no duplicate track.
    audio = scene_data.strip_audio(scene, strip)
    rebaked = bake.bake_result(scene, obj, line_result(40, 1), strip.name, audio.frame_start,
                                        mode="ARKIT", line_id=scene_data.strip_id(strip), sound_start=audio.sound_start)
    assert [t.name for t in obj.data.shape_keys.animation_data.nla_tracks] == tracks
    assert rebaked.frame_start == 55

    editor = scene.sequence_editor
    compat.top_level_strips(editor).remove(strip)
    assert line_sync.sync_lines(scene, obj).missing == ["Bob's line"]
    assert [i.strip for i in line_sync.lines_of(scene, obj)] == [None]
    assert line_sync.remove_line(obj, line)
    assert bake.line_actions(obj) == []


def baked_line(tmp_path, **settings):
    """A 24 fps scene with one dialogue strip at frame 30 and its line baked on an ARKit face;
    `settings` are set on scene.lipwright first. The caller registers the add-on."""
    from blender_addon import bake, compat, scene_data
    from tests.blender.test_layering import line_result

    scene = bpy.context.scene
    set_fps(scene, 24)
    path, _ = dialogue(tmp_path, lead_silence=0.2)
    strip = compat.new_sound_strip(scene, "Line 01", str(path), 1, 30)
    obj = arkit_face()
    scene.lipwright.target = obj
    for name, value in settings.items():
        setattr(scene.lipwright, name, value)
    audio = scene_data.strip_audio(scene, strip)
    line = scene_data.strip_id(strip, scene)
    report = bake.bake_result(scene, obj, line_result(40, 0), strip.name, audio.frame_start, mode="ARKIT",
                              line_id=line, sound_start=audio.sound_start)
    return strip, obj, line, report


def test_sync_and_remove_line_operators(addon, tmp_path):
    from blender_addon import bake

    addon.register()
    try:
        strip, obj, line, _ = baked_line(tmp_path)
        strip.frame_start -= 10
        assert bpy.ops.lipwright.sync_strips() == {"FINISHED"}
        track = obj.data.shape_keys.animation_data.nla_tracks["Lipwright Line 01"]
        assert track.strips[0].frame_start == 20 - bake.EASE_FRAMES
        assert bpy.ops.lipwright.remove_line(line=line, object_name=obj.name) == {"FINISHED"}
        assert bake.line_actions(obj) == []
    finally:
        addon.unregister()


def encode_with_blender(tmp_path, wav, kind):
    """The speech as an .mp4 video with sound (rendered by Blender's FFmpeg) or an .aac file (mixed down)."""
    from blender_addon import compat

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    set_fps(scene, 24)
    strip = compat.new_sound_strip(scene, "speech", str(wav), 1, 1)
    end = int(strip.frame_final_end)
    scene.frame_start, scene.frame_end = 1, end - 1
    if kind == "aac":
        path = tmp_path / "speech.aac"
        bpy.ops.sound.mixdown(filepath=str(path), container="AAC", codec="AAC", check_existing=False)
    else:
        path = tmp_path / "speech.mp4"
        strips = compat.top_level_strips(scene.sequence_editor)
        try:  # 5.0 counts a length, 4.x an end frame
            strips.new_effect("picture", "COLOR", 2, frame_start=1, length=end - 1)
        except TypeError:
            strips.new_effect("picture", "COLOR", 2, frame_start=1, frame_end=end)
        render = scene.render
        render.resolution_x = render.resolution_y = 64
        if hasattr(render.image_settings, "media_type"):  # 5.0: choose video output first
            render.image_settings.media_type = "VIDEO"
        render.image_settings.file_format = "FFMPEG"
        render.ffmpeg.format, render.ffmpeg.codec, render.ffmpeg.audio_codec = "MPEG4", "H264", "AAC"
        render.filepath = str(path)
        bpy.ops.render.render(animation=True)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    assert path.is_file() and path.stat().st_size > 1000
    return path


@pytest.mark.parametrize("kind", ["mp4", "aac"])
def test_any_format_blender_plays_is_animated(addon, tmp_path, kind):
    from blender_addon import compat

    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), SPEECH], check=True)
    path = encode_with_blender(tmp_path, wav, kind)
    addon.register()
    try:
        scene = bpy.context.scene
        set_fps(scene, 24)
        editor = scene.sequence_editor_create()
        if kind == "mp4":  # a video strip with its sound, as Blender adds a movie
            compat.top_level_strips(editor).new_movie("picture", str(path), 2, 10)
        strip = compat.new_sound_strip(scene, "Line 01", str(path), 1, 10)
        strip["lipwright_transcript"] = SPEECH
        obj = arkit_face()
        scene.lipwright.target = obj

        report = generate(bpy.context, strip)

        assert report.frame_start == 10
        jaw = jaw_curve(obj, np.arange(10, int(strip.frame_final_end)))
        assert jaw.max() > 0.2
    finally:
        addon.unregister()


def test_a_duplicated_strip_is_a_line_of_its_own(tmp_path):
    from blender_addon import compat, scene_data

    scene = bpy.context.scene
    path, _ = dialogue(tmp_path, lead_silence=0.2)
    original = compat.new_sound_strip(scene, "Line 01", str(path), 1, 30)
    line = scene_data.strip_id(original, scene)
    copy = compat.new_sound_strip(scene, "Line 01.001", str(path), 2, 200)
    for key in (scene_data.STRIP_ID_KEY, scene_data.STRIP_ID_NAME_KEY):  # what Shift+D copies
        copy[key] = original[key]

    assert scene_data.find_strip_by_id(scene, line) == original
    assert scene_data.strip_id(copy, scene) != line and scene_data.strip_id(original, scene) == line
    original.name = "Bob"
    assert scene_data.find_strip_by_id(scene, line) == original and scene_data.strip_id(original, scene) == line


def test_the_command_line_bake_follows_an_offset_trimmed_strip(tmp_path):
    from blender_addon import compat, headless

    scene = bpy.context.scene
    set_fps(scene, 24)
    path, _ = dialogue(tmp_path, lead_silence=0.2)
    arkit_face()
    strip = compat.new_sound_strip(scene, "Line 01", str(path), 1, 20)
    strip.sound_offset, strip.frame_offset_start, strip.frame_offset_end = 0.5, 6, 10
    visible = (int(strip.frame_final_start), int(strip.frame_final_end))
    blend = tmp_path / "scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    frames = 150  # made from the whole file, as `lipwright bake` does: frame 0 is the file's first sample
    npz = tmp_path / "line.npz"
    # The backend's own encoder (this bpy environment may lack the backend).
    encode = (
        "import sys, numpy as np; from lipwright import wire; from lipwright.motion.arkit import ARKIT_NAMES; "
        f"weights = np.full(({frames}, len(ARKIT_NAMES)), 0.5, np.float32); "
        "sys.stdout.buffer.write(wire.encode_result(None, np.zeros((4, 3), np.float32), 24.0, {'chin': 0}, {}, "
        "weights=weights, weight_names=list(ARKIT_NAMES)))"
    )
    npz.write_bytes(run_with_backend(encode))

    report = headless.bake_file(str(blend), "Face", str(path), str(npz), str(tmp_path / "out.blend"),
                               strip_name="Line 01", mode="ARKIT")

    sound_start = 20 + 12  # the offset of 0.5 s plays the file 12 frames after the strip's start
    assert report["frame_start"] == max(visible[0], sound_start) and report["frame_end"] == visible[1] - 1


@pytest.mark.parametrize("follow", [True, False])
def test_lines_follow_a_moved_strip_on_their_own(addon, tmp_path, follow):
    from blender_addon import bake

    addon.register()
    try:
        strip, obj, _, report = baked_line(tmp_path, follow_strips=follow)

        strip.frame_start += 17
        bpy.context.view_layer.update()  # what Blender does after each change in the UI

        nla_strip = obj.data.shape_keys.animation_data.nla_tracks[report.track_name].strips[0]
        assert nla_strip.frame_start == 30 - bake.EASE_FRAMES + (17 if follow else 0)
    finally:
        addon.unregister()
