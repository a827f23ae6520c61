"""`lipwright batch` as a user runs it: real speech, the phonemes model, worker processes, the resume journal."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pygltflib
import pytest
import trimesh

from lipwright.datasets.live_link_face import read_take
from lipwright.motion.arkit import ARKIT_NAMES
from tests.cli.commands import export_head, lipwright
from tests.speech import speak

# Short lines (about half a second to a second each) in several voices, so a batch of 20 stays quick.
WORDS = ["Yes.", "No way.", "Go now.", "Hello.", "Thanks.", "Look out.", "Come here.", "Not now.", "Maybe.",
         "Okay then.", "Run!", "Stop it.", "Why not?", "Fine.", "Good job.", "Wait.", "Listen.", "Me too.",
         "Right away.", "See you."]
VOICES = [("espeak-ng", "en-us"), ("flite", "awb"), ("espeak-ng", "en-gb"), ("flite", "rms")]


def make_lines(folder: Path, count: int) -> list[tuple[str, str]]:
    """count spoken lines line00.wav ...; returns (file name, transcript) pairs."""
    lines = []
    for index in range(count):
        text = WORDS[index % len(WORDS)]
        engine, voice = VOICES[index % len(VOICES)]
        name = f"line{index:02d}.wav"
        speak(text, folder / name, engine=engine, voice=voice)
        lines.append((name, text))
    return lines


def write_manifest(folder: Path, rows: list[dict], name: str = "lines.csv") -> Path:
    path = folder / name
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def journal_entries(manifest: Path) -> list[dict]:
    path = manifest.with_name(manifest.stem + ".journal.jsonl")
    if not path.is_file():
        return []
    entries = []
    for text in path.read_text().splitlines():
        try:
            entries.append(json.loads(text))
        except json.JSONDecodeError:  # the last line of a killed run may be torn
            pass
    return entries


def summary_counts(stdout: str) -> tuple[int, int, int]:
    line = next(text for text in stdout.splitlines() if text.startswith("done:"))
    numbers = [int(word) for word in line.replace(":", " ").split() if word.isdigit()]
    return tuple(numbers)


def test_a_corrupt_file_among_20_fails_alone(tmp_path):
    lines = make_lines(tmp_path, 20)
    (tmp_path / lines[6][0]).write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt this is not audio" * 4)
    manifest = write_manifest(tmp_path, [{"audio": name, "transcript": text, "output": f"out/{name[:-4]}.json"}
                                         for name, text in lines])
    completed = lipwright("batch", str(manifest), "--jobs", "2")
    assert completed.returncode == 1, completed.stderr
    assert summary_counts(completed.stdout) == (19, 0, 1)
    failure = [text for text in completed.stdout.splitlines() if text.strip().startswith("row")]
    assert len(failure) == 1 and "row    7" in failure[0] and "line06.wav" in failure[0]
    assert "could not be decoded" in failure[0] and "Traceback" not in completed.stdout + completed.stderr
    results = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert results == sorted(f"{name[:-4]}.json" for name, _ in lines if name != "line06.wav")
    for path in (tmp_path / "out").iterdir():
        frames = np.array(json.loads(path.read_text())["frames"])
        assert frames.shape[1] == 52 and frames.max() > 0.1  # every real line moves the face
    assert len(journal_entries(manifest)) == 19


def test_an_interrupted_batch_resumes_without_redoing_finished_lines(tmp_path):
    lines = make_lines(tmp_path, 10)
    manifest = write_manifest(tmp_path, [{"audio": name, "transcript": text, "output": f"out/{name[:-4]}.csv"}
                                         for name, text in lines])
    # Killed hard (the whole process group, workers included) once two lines are in the journal.
    process = subprocess.Popen([sys.executable, "-m", "lipwright", "batch", str(manifest)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while len(journal_entries(manifest)) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = journal_entries(manifest)
    assert 2 <= len(finished) < len(lines), "the batch was not interrupted midway"
    before = {entry["outputs"]["csv"]: os.stat(entry["outputs"]["csv"]).st_mtime_ns for entry in finished}

    completed = lipwright("batch", str(manifest))
    assert completed.returncode == 0, completed.stderr + completed.stdout
    assert summary_counts(completed.stdout) == (len(lines) - len(finished), len(finished), 0)
    for path, mtime in before.items():
        assert os.stat(path).st_mtime_ns == mtime  # not written again
    entries = journal_entries(manifest)
    assert len(entries) == len(lines) and len({entry["hash"] for entry in entries}) == len(lines)
    assert all((tmp_path / "out" / f"{name[:-4]}.csv").is_file() for name, _ in lines)


def test_editing_one_transcript_redoes_only_that_line(tmp_path):
    lines = make_lines(tmp_path, 3)
    rows = [{"audio": name, "transcript": text, "output": f"out/{name[:-4]}.json"} for name, text in lines]
    manifest = write_manifest(tmp_path, rows)
    assert lipwright("batch", str(manifest)).returncode == 0
    outputs = [tmp_path / row["output"] for row in rows]
    before = [os.stat(path).st_mtime_ns for path in outputs]

    rows[1]["transcript"] = "Go, now!"
    write_manifest(tmp_path, rows)
    completed = lipwright("batch", str(manifest))
    assert completed.returncode == 0, completed.stderr
    assert summary_counts(completed.stdout) == (1, 2, 0)
    after = [os.stat(path).st_mtime_ns for path in outputs]
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]
    # A deleted output is made again even though its inputs did not change.
    outputs[2].unlink()
    completed = lipwright("batch", str(manifest))
    assert summary_counts(completed.stdout) == (1, 2, 0) and outputs[2].is_file()


def glb_animation(path: Path) -> tuple[pygltflib.GLTF2, np.ndarray, np.ndarray]:
    """The file, its keyframe times and its weights (keyframes, targets), read with pygltflib."""
    gltf = pygltflib.GLTF2().load(str(path))
    sampler = gltf.animations[0].samplers[0]

    def floats(index):
        accessor = gltf.accessors[index]
        view = gltf.bufferViews[accessor.bufferView]
        return np.frombuffer(gltf.binary_blob(), "<f4", accessor.count * {"SCALAR": 1, "VEC3": 3}[accessor.type],
                             view.byteOffset + (accessor.byteOffset or 0))

    times = floats(sampler.input)
    return gltf, times, floats(sampler.output).reshape(len(times), -1)


BLENDER_IMPORT = r"""
import json, sys, bpy
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_scene.gltf(filepath=sys.argv[-1])
(face,) = [obj for obj in bpy.data.objects if obj.type == "MESH"]
keys = face.data.shape_keys
action = keys.animation_data.action
fcurves = getattr(action, "fcurves", None)
if fcurves is None or not len(fcurves):  # slotted actions: the curves live in the slot's channelbag
    fcurves = action.layers[0].strips[0].channelbag(keys.animation_data.action_slot).fcurves
curves = {curve.data_path.split('"')[1]: [list(point.co) for point in curve.keyframe_points] for curve in fcurves}
print("IMPORTED " + json.dumps({"keys": [key.name for key in keys.key_blocks], "vertices": len(face.data.vertices),
      "fps": bpy.context.scene.render.fps / bpy.context.scene.render.fps_base, "curves": curves}))
"""


def blender_import(glb: Path) -> dict:
    """What Blender's own glTF importer makes of the file: shape keys, vertex count and keyframes per key."""
    done = subprocess.run([sys.executable, "-c", BLENDER_IMPORT, str(glb)], capture_output=True, text=True,
                          timeout=300)
    line = [text for text in done.stdout.splitlines() if text.startswith("IMPORTED ")]
    assert line, done.stderr[-2000:]
    return json.loads(line[-1][9:])


def test_game_outputs_agree_and_load_in_other_readers(tmp_path):
    (name, text), = make_lines(tmp_path, 1)
    speak("Put the map by the window, please.", tmp_path / "long.wav", engine="flite", voice="awb")
    obj = export_head(tmp_path, "head.obj")
    manifest = write_manifest(tmp_path, [
        {"audio": "long.wav", "transcript": "Put the map by the window, please.", "output": "out/long",
         "outputs": "csv,json,glb,npz"},
        {"audio": name, "transcript": text, "character": "head.obj", "output": "out/on_obj.glb"},
    ])
    completed = lipwright("batch", str(manifest), "--jobs", "2", "--fps", "25")
    assert completed.returncode == 0, completed.stderr + completed.stdout

    weights = json.loads((tmp_path / "out/long.json").read_text())
    assert weights["fps"] == 25.0 and weights["names"] == list(ARKIT_NAMES)
    frames = np.array(weights["frames"])
    with np.load(tmp_path / "out/long.npz") as npz:  # the result `lipwright animate` writes
        np.testing.assert_allclose(frames, npz["weights"], atol=1e-6)
        assert npz["offsets"].shape[0] == len(frames)
    take = read_take(tmp_path / "out/long.csv", fps=25.0)
    np.testing.assert_allclose(take.weights, frames, atol=2e-6)

    gltf, times, keyed = glb_animation(tmp_path / "out/long.glb")
    assert len(gltf.meshes[0].primitives[0].targets) == 52
    assert gltf.meshes[0].extras["targetNames"] == list(ARKIT_NAMES)
    assert len(times) == len(frames) and times[-1] == pytest.approx((len(frames) - 1) / 25.0)
    np.testing.assert_allclose(keyed, frames, atol=1e-6)
    (head,) = trimesh.load(tmp_path / "out/long.glb").geometry.values()
    on_obj, = trimesh.load(tmp_path / "out/on_obj.glb").geometry.values()
    obj_vertices = len(trimesh.load(obj, process=False).vertices)
    assert len(head.vertices) == len(on_obj.vertices) == obj_vertices
    # Blender's importer makes a shape key per morph target and a keyframe per frame on each.
    imported = blender_import(tmp_path / "out/long.glb")
    assert imported["keys"] == ["Basis", *ARKIT_NAMES] and imported["vertices"] == obj_vertices
    for unit in ("jawOpen", "mouthClose", "mouthFunnel"):
        points = np.array(imported["curves"][unit])
        np.testing.assert_allclose(points[:, 0] / imported["fps"], times, atol=1e-4)
        np.testing.assert_allclose(points[:, 1], frames[:, ARKIT_NAMES.index(unit)], atol=1e-6)

    # A glb with ARKit morph targets is a character in its own right: its targets animate as they are.
    second = write_manifest(tmp_path, [{"audio": name, "transcript": text, "character": "out/long.glb",
                                        "output": "out/on_glb.glb"}], name="second.csv")
    completed = lipwright("batch", str(second))
    assert completed.returncode == 0, completed.stderr + completed.stdout
    again, _, keyed_again = glb_animation(tmp_path / "out/on_glb.glb")
    assert len(again.meshes[0].primitives[0].targets) == 52 and keyed_again.shape[1] == 52
    (reloaded,) = trimesh.load(tmp_path / "out/on_glb.glb").geometry.values()
    np.testing.assert_allclose(reloaded.vertices, head.vertices, atol=1e-6)


BAKED_JAW = r"""
import json, sys, bpy
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
scene = bpy.context.scene
keys = bpy.data.objects["Lipwright Head"].data.shape_keys
tracks = [track.name for track in keys.animation_data.nla_tracks]
jaw = []
for frame in range(scene.frame_start, scene.frame_end + 1):
    scene.frame_set(frame)
    jaw.append(keys.key_blocks["jawOpen"].value)
print("BAKED " + json.dumps({"tracks": tracks, "jaw": jaw}))
"""


def test_a_blend_character_is_baked_as_lipwright_bake_does(tmp_path):
    (name, text), = make_lines(tmp_path, 1)
    character = export_head(tmp_path, "head.blend").read_bytes()
    manifest = write_manifest(tmp_path, [{"audio": name, "transcript": text, "character": "head.blend",
                                          "object": "Lipwright Head", "output": "out/scene"}])
    completed = lipwright("batch", str(manifest))
    assert completed.returncode == 0, completed.stderr + completed.stdout
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["scene.blend", "scene.csv", "scene.glb",
                                                                          "scene.json"]
    # The glb beside the .blend: the character's own mesh and ARKit keys (exported by Blender), animated by
    # the same curves as the csv.
    gltf, times, keyed = glb_animation(tmp_path / "out/scene.glb")
    names = gltf.meshes[0].extras["targetNames"]
    assert set(names) == set(ARKIT_NAMES)
    curves = read_take(tmp_path / "out/scene.csv").weights
    assert len(times) == len(curves)
    np.testing.assert_allclose(keyed, curves[:, [ARKIT_NAMES.index(name) for name in names]], atol=1e-5)
    (mesh,) = trimesh.load(tmp_path / "out/scene.glb").geometry.values()
    assert len(mesh.vertices) == len(trimesh.load(export_head(tmp_path, "head.obj"), process=False).vertices)
    read = subprocess.run([sys.executable, "-c", BAKED_JAW, str(tmp_path / "out/scene.blend")], capture_output=True,
                          text=True, timeout=300)
    baked = json.loads(next(line[6:] for line in read.stdout.splitlines() if line.startswith("BAKED ")))
    assert f"Lipwright {name}" in baked["tracks"]
    assert max(baked["jaw"]) > 0.2
    assert (tmp_path / "head.blend").read_bytes() == character  # the character itself is left as it was


def test_a_bad_manifest_runs_nothing(tmp_path):
    manifest = write_manifest(tmp_path, [{"audio": "nowhere.wav", "output": "out/a.csv", "model": "phonemes"}])
    completed = lipwright("batch", str(manifest))
    assert completed.returncode == 2
    assert "row 1, column audio: no file at" in completed.stderr
    assert not (tmp_path / "out").exists() and not journal_entries(manifest)
