"""`lipwright animate` writes the output contract; bad input gets a clear message, not a traceback."""

import json
from pathlib import Path

import numpy as np
import pytest

from lipwright.demo.speech import synthesize
from tests.cli.commands import export_head, lipwright

LINE = "Bob bought a map of the moon."


@pytest.fixture(scope="module")
def line_wav(tmp_path_factory) -> Path:
    return synthesize(LINE, tmp_path_factory.mktemp("speech") / "line.wav")


@pytest.fixture(scope="module")
def template_npz(tmp_path_factory) -> Path:
    return export_head(tmp_path_factory.mktemp("template"), "head.npz")


def test_animate_writes_the_output_contract(line_wav, tmp_path):
    out = tmp_path / "line.npz"
    completed = lipwright("animate", str(line_wav), "--transcript", LINE, "--fps", "29.97", "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    with np.load(out, allow_pickle=False) as npz:
        offsets, rest, weights = npz["offsets"], npz["rest"], npz["weights"]
        meta = json.loads(str(npz["meta"]))
        names = list(npz["landmark_names"])
        assert float(npz["fps"]) == pytest.approx(29.97)
        assert list(npz["weight_names"])[17] == "jawOpen"
    import soundfile

    seconds = soundfile.info(str(line_wav)).duration
    assert offsets.dtype == np.float32 and offsets.ndim == 3 and offsets.shape[1:] == rest.shape
    assert abs(offsets.shape[0] - seconds * 29.97) <= 2
    assert weights.shape == (offsets.shape[0], 52)
    for required in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right", "chin"):
        assert required in names
    assert meta["model"] == "phonemes" and meta["device"] in ("cpu", "cuda")
    assert meta["audio_seconds"] == pytest.approx(seconds, abs=0.01) and meta["compute_seconds"] > 0
    assert np.abs(offsets).max() > 1e-3  # the face moved


def test_mesh_of_same_topology_gets_offsets_in_its_own_coordinates(line_wav, template_npz, tmp_path):
    with np.load(template_npz) as npz:
        vertices, faces_flat, face_sizes = npz["vertices"], npz["faces_flat"], npz["face_sizes"]
    # A user's copy: centimetres, mirrored in X, turned 90 degrees about Z and moved.
    turn = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) @ np.diag([-1.0, 1.0, 1.0])
    moved = (100.0 * vertices @ turn.T + np.array([3.0, -2.0, 50.0])).astype(np.float32)
    mesh = tmp_path / "user_head.npz"
    np.savez(mesh, vertices=moved, faces_flat=faces_flat, face_sizes=face_sizes)
    on_template, on_mesh = tmp_path / "template.npz", tmp_path / "mesh.npz"
    assert lipwright("animate", str(line_wav), "-o", str(on_template)).returncode == 0
    completed = lipwright("animate", str(line_wav), "--mesh", str(mesh), "-o", str(on_mesh))
    assert completed.returncode == 0, completed.stderr
    with np.load(on_template) as a, np.load(on_mesh) as b:
        np.testing.assert_allclose(b["rest"], moved, atol=1e-4)
        expected = 100.0 * a["offsets"] @ turn.T
        np.testing.assert_allclose(b["offsets"], expected, atol=1e-3 * np.abs(expected).max())


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda tmp, wav: ["animate", str(tmp / "missing.wav"), "-o", str(tmp / "o.npz")], "no audio file"),
        (lambda tmp, wav: ["animate", str(wav), "--fps", "0", "-o", str(tmp / "o.npz")], "fps"),
        (lambda tmp, wav: ["animate", str(wav), "--model", "nonesuch", "-o", str(tmp / "o.npz")], "nonesuch"),
        (lambda tmp, wav: ["animate", str(_write(tmp / "noise.wav", b"not a sound file at all")), "-o", str(tmp / "o.npz")], "audio"),
        (lambda tmp, wav: ["animate", str(wav), "--mesh", str(_cube(tmp)), "-o", str(tmp / "o.npz")], "Give the face shape keys"),
        (lambda tmp, wav: ["template", "export", str(tmp / "head.fbx")], ".obj"),
    ],
    ids=["missing-audio", "zero-fps", "unknown-model", "corrupt-audio", "other-topology", "bad-export-format"],
)
def test_bad_input_gets_a_clear_message(make_args, message, line_wav, tmp_path):
    completed = lipwright(*make_args(tmp_path, line_wav))
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _cube(tmp: Path) -> Path:
    path = tmp / "cube.obj"
    corners = [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    faces = [(1, 2, 4, 3), (5, 7, 8, 6), (1, 5, 6, 2), (3, 4, 8, 7), (1, 3, 7, 5), (2, 6, 8, 4)]
    path.write_text("".join(f"v {x} {y} {z}\n" for x, y, z in corners) + "".join("f " + " ".join(map(str, f)) + "\n" for f in faces))
    return path


def test_weights_only_results_skip_the_per_vertex_motion(line_wav):
    from lipwright import wire
    from lipwright.animate import animate_file

    result = wire.decode_result(animate_file(line_wav, offsets=False))
    assert "offsets" not in result
    assert result["weights"].shape[1] == 52 and result["weights"][:, 17].max() > 0.2  # jawOpen moves


def test_a_transcript_that_does_not_fit_still_animates_and_says_so(line_wav, tmp_path):
    wrong = " ".join(["the quick brown fox jumps over the lazy dog"] * 5)
    completed = lipwright("animate", str(line_wav), "--transcript", wrong, "-o", str(tmp_path / "o.npz"))
    assert completed.returncode == 0, completed.stderr
    assert "warning" in completed.stderr and "Fell back to recognising" in completed.stderr
    with np.load(tmp_path / "o.npz") as npz:
        assert json.loads(str(npz["meta"]))["phone_method"] == "recognised"


def _meta(path: Path) -> dict:
    with np.load(path) as npz:
        return json.loads(str(npz["meta"]))


def test_transcript_file_takes_subtitles_and_plain_text(tmp_path):
    from tests.speech import compose_line

    line = compose_line([0.4, "Doctor Lee paid five dollars", 1.0, "at ten thirty p m", 0.4], engine="flite", voice="awb")
    wav = line.write(tmp_path / "line.wav")
    first, second = line.words
    subtitles = tmp_path / "line.srt"
    subtitles.write_text(
        f"1\n00:00:00,{int(first.start * 1000):03d} --> 00:00:0{int(first.end)},{int(first.end % 1 * 1000):03d}\n"
        f"<i>Dr. Lee paid $5</i>\n\n"
        f"2\n00:00:0{int(second.start)},{int(second.start % 1 * 1000):03d} --> "
        f"00:00:0{int(second.end)},{int(second.end % 1 * 1000):03d}\nat 10:30 pm.\n",
        encoding="utf-8",
    )
    plain = tmp_path / "line.txt"
    plain.write_text("Dr. Lee paid $5 at 10:30 pm.\n", encoding="cp1252")
    for transcript in (subtitles, plain):
        out = tmp_path / f"{transcript.suffix[1:]}.npz"
        completed = lipwright("animate", str(wav), "--transcript-file", str(transcript), "-o", str(out))
        assert completed.returncode == 0, completed.stderr
        meta = _meta(out)
        assert meta["phone_method"] == "aligned" and meta["warnings"] == [], meta["warnings"]
        labels = [label for label, _, _ in meta["phones"] if label != "SIL"]
        # doctor ... paid five dollars at ten thirty p m: every closure of the spoken words is there.
        assert [label for label in labels if label in ("P", "B", "M")] == ["P", "P", "M"]


def test_transcript_file_problems_are_named(line_wav, tmp_path):
    completed = lipwright("animate", str(line_wav), "--transcript-file", str(tmp_path / "none.srt"), "-o",
                          str(tmp_path / "o.npz"))
    assert completed.returncode == 2 and "no transcript file at" in completed.stderr
    text = tmp_path / "t.txt"
    text.write_text("Bob bought a map")
    completed = lipwright("animate", str(line_wav), "--transcript-file", str(text), "--transcript", "Bob", "-o",
                          str(tmp_path / "o.npz"))
    assert completed.returncode == 2 and "not both" in completed.stderr


def test_a_decode_error_names_the_file(tmp_path):
    bad = _write(tmp_path / "take_07.m4a", b"this is a note, not a recording " * 20)
    completed = lipwright("animate", str(bad), "-o", str(tmp_path / "o.npz"))
    assert completed.returncode == 2
    assert "take_07.m4a" in completed.stderr and "could not be decoded" in completed.stderr
    assert "BytesIO" not in completed.stderr and "Traceback" not in completed.stderr


def test_animate_hears_closures_with_the_network_when_asked(line_wav, tmp_path):
    out = tmp_path / "line.npz"
    completed = lipwright("animate", str(line_wav), "--recognition", "network", "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    with np.load(out, allow_pickle=False) as npz:
        meta = json.loads(str(npz["meta"]))
    assert meta["recognised_by"] == "phones and network" and meta["phone_method"] == "recognised"


@pytest.mark.parametrize("command", ["animate", "bake", "batch", "eval"])
def test_every_command_that_animates_offers_every_recognition(command):
    import argparse
    import importlib

    from lipwright.phones.track import RECOGNITION_MODES

    parser = argparse.ArgumentParser()
    importlib.import_module(f"lipwright.cli.{command}_command").add_arguments(parser)
    action = next(a for a in parser._actions if "--recognition" in a.option_strings)
    assert set(action.choices) == set(RECOGNITION_MODES)
