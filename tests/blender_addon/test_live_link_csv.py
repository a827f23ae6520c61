"""live_link_csv: Live Link Face's columns, one row per frame, timecodes, atomic writes."""

import csv
import io
import os
import re

import numpy as np
import pytest

from tests.blender_addon.conftest import pure_module

llf = pure_module("live_link_csv")
ARKIT = pure_module("arkit_names").ARKIT_NAMES


def test_header_rows_and_values_parse_back():
    weights = np.random.default_rng(0).random((48, 52))
    rows = list(csv.reader(io.StringIO(llf.csv_text(weights, ARKIT, fps=24.0))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft", "EyeLookDownLeft"]
    assert header[-10:] == ["TongueOut", "HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch",
                            "LeftEyeRoll", "RightEyeYaw", "RightEyePitch", "RightEyeRoll"]
    assert len(header) == 63 and len(body) == 48 and all(len(row) == 63 for row in body)
    assert all(row[1] == "61" for row in body)
    jaw = header.index("JawOpen")
    np.testing.assert_allclose([float(row[jaw]) for row in body], weights[:, ARKIT.index("jawOpen")], atol=1e-5)
    assert body[0][0] == "00:00:00:00.000" and body[25][0] == "00:00:01:01.000"
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d:\d\d\.\d{3}", row[0]) for row in body)


def test_timecodes_at_drop_rates_and_hours():
    assert llf.timecode(3661.5, 30.0) == "01:01:01:15.000"
    assert llf.timecode(1 / 29.97, 29.97) == "00:00:00:01.001"


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "line.csv"
    target.write_text("old")
    with pytest.raises(TypeError):
        llf.write_atomically(str(target), None)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["line.csv"]
    llf.write_atomically(str(target), "new")
    assert target.read_text() == "new"
