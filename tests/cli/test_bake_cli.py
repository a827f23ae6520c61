"""`lipwright bake` runs the add-on's own bake in a child Blender and writes a .blend a person can open."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lipwright.demo.speech import synthesize
from tests.cli.commands import export_head, lipwright

LINE = "Pam made a map of the moon."
EASE = 3  # each line's NLA strip starts 3 frames early and ends 3 late: it eases in from rest and out to it


@pytest.fixture(scope="module")
def head_blend(tmp_path_factory) -> Path:
    return export_head(tmp_path_factory.mktemp("blend"), "head.blend")


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
    assert jaw[:10 - EASE].max() < 1e-6    # before the strip (and its ease-in) the face rests
    assert jaw[10:].max() > 0.3            # the jaw opens while the line plays
    import soundfile

    first, last = baked["tracks"]["Lipwright line01.wav"]
    assert first == 11 - EASE
    assert abs(last - EASE - (11 + soundfile.info(str(wav)).duration * baked["fps"])) <= 2


def test_bake_refuses_a_missing_object_without_writing(head_blend, tmp_path):
    wav = synthesize("Hello there.", tmp_path / "hello.wav")
    out = tmp_path / "never.blend"
    completed = lipwright("bake", str(wav), "--blend", str(head_blend), "--object", "Nobody", "-o", str(out))
    assert completed.returncode == 2
    assert "no object 'Nobody'" in completed.stderr and "Lipwright Head" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not out.exists()


def test_a_batch_of_lines_bakes_one_after_another_in_one_file(head_blend, tmp_path):
    texts = {"a01.wav": "Bob made a map.", "a02.wav": "Pam bought a pop.", "a03.wav": "We move the boat."}
    wavs = [synthesize(text, tmp_path / name) for name, text in texts.items()]
    (tmp_path / "a01.txt").write_text(texts["a01.wav"])  # a transcript beside its line
    table = tmp_path / "lines.tsv"
    table.write_text("# file\ttranscript\na02.wav\tPam bought a pop.\na03.wav\tWe move the boat.\n")
    out = tmp_path / "batch.blend"
    completed = lipwright("bake", *map(str, wavs), "--transcripts", str(table), "--blend", str(head_blend),
                          "--object", "Lipwright Head", "--frame", "5", "--gap", "10", "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    baked = read_bake(out)
    starts = {name: frame for name, frame in baked["strips"]}
    assert starts["a01.wav"] == 5
    spans = [[first + EASE, last - EASE] for first, last in (baked["tracks"][f"Lipwright {name}"] for name in texts)]
    for (first, last), (next_first, _) in zip(spans, spans[1:]):
        assert next_first >= last + 10  # in order, a gap apart, never overlapping
    jaw = np.array(baked["jaw"])
    for first, last in spans:
        assert jaw[int(first) - 1:int(last)].max() > 0.2  # every line moves the jaw


def test_a_batch_with_a_bad_line_names_it_and_writes_nothing(head_blend, tmp_path):
    good = synthesize("Hello there.", tmp_path / "good.wav")
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really a wave file")
    out = tmp_path / "never.blend"
    completed = lipwright("bake", str(good), str(bad), "--blend", str(head_blend), "--object", "Lipwright Head",
                          "-o", str(out))
    assert completed.returncode == 2
    assert "1 of 2 lines failed" in completed.stderr and "broken.wav" in completed.stderr
    assert not out.exists()


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append((int(entry.name), command))
    return found


def test_blender_killed_while_baking_leaves_the_blend_as_it_was(head_blend, tmp_path):
    blend = tmp_path / "scene.blend"
    blend.write_bytes(head_blend.read_bytes())
    wav = synthesize(LINE, tmp_path / "line01.wav")
    cli = subprocess.Popen([sys.executable, "-m", "lipwright", "bake", str(wav), "--transcript", LINE, "--blend",
                            str(blend), "--object", "Lipwright Head", "-o", str(blend)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    baking = []
    while not baking and cli.poll() is None:
        baking = [pid for pid, command in _children(cli.pid) if "bake_files" in command]
    assert baking, "the bake ended before its Blender could be found"
    # At once: waiting "into the bake" would race a bake that now takes under a second. What is tested
    # is the same: the Blender writing the output dies before the output is replaced.
    os.kill(baking[0], signal.SIGKILL)
    _, stderr = cli.communicate(timeout=300)
    assert cli.returncode == 2, stderr
    assert "Blender was stopped" in stderr and "Traceback" not in stderr, stderr
    assert blend.read_bytes() == head_blend.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line01.wav", "scene.blend"]


def test_bake_refuses_to_write_over_an_audio_line_before_the_work(head_blend, tmp_path):
    wav = synthesize(LINE, tmp_path / "line01.wav")
    spoken = wav.read_bytes()
    completed = lipwright("bake", str(wav), "--blend", str(head_blend), "--object", "Lipwright Head", "-o", str(wav))
    assert completed.returncode == 2 and "is also an input" in completed.stderr, completed.stderr
    assert "Traceback" not in completed.stderr and "baking" not in completed.stderr, completed.stderr
    assert wav.read_bytes() == spoken


def test_transcripts_come_from_a_file_or_subtitles_beside_each_line(tmp_path):
    from lipwright.cli.bake_command import read_transcripts
    from lipwright.errors import LipwrightError

    a, b, c = (tmp_path / f"{name}.wav" for name in ("a", "b", "c"))
    (tmp_path / "a.srt").write_text("1\n00:00:00,100 --> 00:00:01,200\nPam made a map.\n")
    (tmp_path / "b.vtt").write_text("WEBVTT\n\n00:00.100 --> 00:01.200\nOf the moon.\n")
    (tmp_path / "c.txt").write_text("")  # an empty sidecar is no transcript
    found = read_transcripts([a, b, c], None, None)
    assert found[a].startswith("1\n00:00:00,100") and found[b].startswith("WEBVTT") and found[c] is None
    given = tmp_path / "said.txt"
    given.write_text("Pam made a map.")
    assert read_transcripts([a], None, None, given) == {a: "Pam made a map."}
    with pytest.raises(LipwrightError, match="one audio file"):
        read_transcripts([a, b], None, None, given)
