"""`lipwright bake` runs the add-on's own bake in a child Blender and writes a .blend a person can open."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lipwright.demo.speech import synthesize

LINE = "Pam made a map of the moon."


def lipwright(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lipwright", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def head_blend(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("blend") / "head.blend"
    completed = lipwright("template", "export", str(path))
    assert completed.returncode == 0, completed.stderr
    return path


def read_bake(blend: Path) -> dict:
    """What the baked file holds, read back in a fresh Blender process."""
    script = r"""
import json, sys, bpy, numpy as np
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
scene = bpy.context.scene
strips = getattr(scene.sequence_editor, "strips", None) or scene.sequence_editor.sequences
keys = bpy.data.objects["Lipwright Head"].data.shape_keys
tracks = {t.name: [t.strips[0].frame_start, t.strips[0].frame_end] for t in keys.animation_data.nla_tracks if t.strips}
values = []
for frame in range(scene.frame_start, scene.frame_end + 1):
    scene.frame_set(frame)
    values.append(keys.key_blocks["jawOpen"].value)
print("BAKE " + json.dumps({"strips": [(s.name, s.frame_start) for s in strips], "tracks": tracks,
      "fps": scene.render.fps / scene.render.fps_base, "jaw": values}))
"""
    done = subprocess.run([sys.executable, "-c", script, str(blend)], capture_output=True, text=True, timeout=300)
    line = [l for l in done.stdout.splitlines() if l.startswith("BAKE ")]
    assert line, done.stderr[-2000:]
    import json

    return json.loads(line[-1][5:])


def test_bake_writes_the_line_onto_the_head(head_blend, tmp_path):
    wav = synthesize(LINE, tmp_path / "line01.wav")
    out = tmp_path / "baked.blend"
    completed = lipwright("bake", str(wav), "--transcript", LINE, "--blend", str(head_blend),
                          "--object", "Lipwright Head", "--frame", "11", "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    baked = read_bake(out)
    assert baked["strips"] == [["line01.wav", 11]]
    assert "Lipwright line01.wav" in baked["tracks"]
    jaw = np.array(baked["jaw"])
    assert jaw[:10].max() < 1e-6           # before the strip starts the face rests
    assert jaw[10:].max() > 0.3            # the jaw opens while the line plays
    import soundfile

    first, last = baked["tracks"]["Lipwright line01.wav"]
    assert first == 11
    assert abs(last - (11 + soundfile.info(str(wav)).duration * baked["fps"])) <= 2


def test_bake_refuses_a_missing_object_without_writing(head_blend, tmp_path):
    wav = synthesize("Hello there.", tmp_path / "hello.wav")
    out = tmp_path / "never.blend"
    completed = lipwright("bake", str(wav), "--blend", str(head_blend), "--object", "Nobody", "-o", str(out))
    assert completed.returncode == 2
    assert "no object 'Nobody'" in completed.stderr and "Lipwright Head" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not out.exists()
