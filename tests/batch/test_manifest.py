"""The manifest is checked whole before any work: every problem named with its row and column."""

import json
from pathlib import Path

import pytest

from lipwright.batch.manifest import BatchDefaults, ManifestError, read_manifest
from tests.speech import speak


@pytest.fixture(scope="module")
def voice_lines(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lines")
    speak("Good morning.", folder / "a.wav")
    speak("Where is the key?", folder / "b.wav", engine="flite", voice="awb")
    (folder / "b.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nWhere is the key?\n", encoding="utf-8")
    return folder


def write_csv(folder: Path, text: str) -> Path:
    path = folder / "lines.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(folder: Path, text: str) -> str:
    """What reading the manifest `text` refuses, as the user reads it."""
    with pytest.raises(ManifestError) as raised:
        read_manifest(write_csv(folder, text))
    return str(raised.value)


def test_rows_become_lines_with_their_outputs(voice_lines):
    manifest = write_csv(voice_lines, "audio,transcript,output,outputs\n"
                                      "a.wav,Good morning.,out/a.glb,\n"
                                      "b.wav,b.srt,out/b,csv;json\n"
                                      "a.wav,,out/c.v2,\n")
    first, second, third = read_manifest(manifest, BatchDefaults(formats=("json",)))
    assert first.outputs == {"glb": voice_lines / "out/a.glb"} and first.transcript == "Good morning."
    assert first.model == "phonemes" and first.character is None
    assert second.outputs == {"csv": voice_lines / "out/b.csv", "json": voice_lines / "out/b.json"}
    assert "Where is the key?" in second.transcript and "-->" in second.transcript  # cue times guide alignment
    # No format suffix: the command's default formats, after the whole name.
    assert third.outputs == {"json": voice_lines / "out/c.v2.json"}
    assert len({first.content_hash, second.content_hash, third.content_hash}) == 3


def test_json_rows_read_like_csv_rows(voice_lines):
    path = voice_lines / "lines.json"
    path.write_text(json.dumps({"lines": [{"audio": "a.wav", "output": "out/a", "outputs": ["csv", "glb"]}]}))
    (line,) = read_manifest(path)
    assert set(line.outputs) == {"csv", "glb"}


def test_every_problem_is_reported_at_once_with_row_and_column(voice_lines):
    rows = ["missing.wav,,,,,out/1.csv,", "a.wav,gone.srt,,,,out/2.csv,", "a.wav,,,Face,,out/3.csv,",
            "a.wav,,head.fbx,,,out/4.csv,", "a.wav,,,,nosuchmodel,out/5.csv,", "a.wav,,,,,out/6,csv;mp4",
            "a.wav,,,,,out/1.csv,", "a.wav,,,,,out/8.blend,"]
    message = problems(voice_lines, "audio,transcript,character,object,model,output,outputs\n" + "\n".join(rows))
    assert "8 problem(s), nothing was run" in message
    for expected in ["row 1, column audio: no file at", "row 2, column transcript: no transcript file at",
                     "row 3, column object:", "row 4, column character: cannot use a '.fbx' character",
                     "row 5, column model: unknown model 'nosuchmodel'", "row 6, column outputs: unknown format(s) mp4",
                     "row 7, column output:", "also written by row 1",
                     "row 8, column outputs: a blend output bakes the line into a .blend character"]:
        assert expected in message
    assert not (voice_lines / "out").exists()


def test_unknown_columns_and_missing_cells(voice_lines):
    assert "unknown: voice" in problems(voice_lines, "audio,output,voice\na.wav,out/a.csv,x\n")
    assert "row 1, column output: is missing" in problems(voice_lines, "audio,output\na.wav\n")
    path = voice_lines / "rows.json"
    path.write_text(json.dumps([{"audio": "a.wav", "output": "o.csv", "fps": 25}]))
    with pytest.raises(ManifestError, match="row 1, column fps: is not a known column"):
        read_manifest(path)


def test_a_blend_character_needs_its_object_and_gets_weights_and_blend(voice_lines):
    (voice_lines / "scene.blend").write_bytes(b"BLENDER")  # only its presence is checked before the work
    rows = ["a.wav,scene.blend,,out/a.csv", "a.wav,scene.blend,Face,out/a.npz", "a.wav,scene.blend,Face,out/b.json",
            "a.wav,scene.blend,Face,out/c"]
    message = problems(voice_lines, "audio,character,object,output\n" + "\n".join(rows))
    assert "row 1, column object: is needed with the .blend character" in message
    assert "row 2, column outputs: a .blend character gets csv, json, glb and blend" in message
    assert "row 3" not in message and "row 4" not in message
    (line,) = read_manifest(write_csv(voice_lines, "audio,character,object,output\na.wav,scene.blend,Face,out/c\n"))
    assert set(line.outputs) == {"csv", "json", "glb", "blend"} and line.outputs["blend"].name == "c.blend"
