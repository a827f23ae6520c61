"""The README's main job: `lipwright demo` speaks, animates, bakes and draws."""

import json
import subprocess
import sys

import numpy as np


def test_demo_writes_audio_animation_blend_and_picture(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "lipwright", "demo", "-o", str(tmp_path)],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["bake"]["mode"] == "ARKIT" and summary["bake"]["frame_start"] == 1
    keys = summary["bake"]["shape_keys"]  # only the units the line moves are keyed, the rest stay free
    assert "jawOpen" in keys and "mouthClose" in keys and 10 <= len(keys) <= 52
    with np.load(tmp_path / "line.npz", allow_pickle=False) as npz:
        assert json.loads(str(npz["meta"]))["phone_method"] == "aligned"
        assert npz["offsets"].shape[0] == summary["bake"]["frame_count"]
    frames = sorted((tmp_path / "frames").glob("frame_*.png"))
    assert len(frames) >= 3
    import matplotlib.pyplot as plt

    picture = plt.imread(str(tmp_path / "demo.png"))
    assert picture.shape[0] > 500 and picture.shape[1] > 1000
    # The rendered frames differ: the mouth moves between rest and the widest opening.
    rest, widest = plt.imread(str(frames[0])), plt.imread(str(frames[1]))
    assert np.abs(rest - widest).mean() > 1e-3
