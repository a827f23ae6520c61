"""Files are replaced whole or not at all, and outputs that cannot be written are refused up front."""

from pathlib import Path

import pytest

from lipwright.files.atomic import atomic_writer, replaced_on_success, write_bytes_atomically
from lipwright.files.output_path import OutputError, check_output_path


def test_a_writer_that_fails_leaves_the_old_file_and_no_partial_one(tmp_path):
    target = tmp_path / "result.npz"
    target.write_bytes(b"the good old result")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as stream:
            stream.write(b"half a new res")
            raise RuntimeError("the disk filled up")
    assert target.read_bytes() == b"the good old result"
    assert [p.name for p in tmp_path.iterdir()] == ["result.npz"]


def test_a_writer_that_succeeds_replaces_the_file(tmp_path):
    target = tmp_path / "deep" / "result.npz"
    write_bytes_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["result.npz"]


def test_an_outside_writer_that_writes_nothing_replaces_nothing(tmp_path):
    target = tmp_path / "scene.blend"
    target.write_bytes(b"user's scene")
    with pytest.raises(FileNotFoundError):
        with replaced_on_success(target) as partial:
            assert partial.parent == tmp_path and partial.suffix == ".blend" and not partial.exists()
    assert target.read_bytes() == b"user's scene"


def test_a_writer_stopped_mid_save_leaves_none_of_its_own_temporaries(tmp_path):
    target = tmp_path / "scene.blend"
    target.write_bytes(b"the user's scene")
    with pytest.raises(RuntimeError):
        with replaced_on_success(target) as temporary:
            temporary.with_name(temporary.name + "@").write_bytes(b"half")  # how Blender saves
            raise RuntimeError("Blender was stopped")
    assert target.read_bytes() == b"the user's scene"
    assert [p.name for p in tmp_path.iterdir()] == ["scene.blend"]

@pytest.mark.parametrize("make, says", [
    (lambda tmp: tmp, "is a folder"),
    (lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt" / "out.npz", "is a file, not a folder"),
])
def test_outputs_that_cannot_be_written_are_refused(tmp_path, make, says):
    with pytest.raises(OutputError, match=says):
        check_output_path(make(tmp_path))


def test_an_output_that_is_an_input_is_refused(tmp_path):
    audio = tmp_path / "line.wav"
    audio.write_bytes(b"RIFF")
    with pytest.raises(OutputError, match="is also an input"):
        check_output_path(tmp_path / "." / "line.wav", inputs=[audio])
    assert check_output_path(tmp_path / "new" / "line.npz", inputs=[audio]) == tmp_path / "new" / "line.npz"
    assert not (tmp_path / "new").exists()
