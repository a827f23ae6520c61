"""Small data sets written at test time in the formats users bring: the field's preprocessed
VOCASET/BIWI layout and Live Link Face CSV takes."""

import pickle

import numpy as np
import soundfile

from lipwright.motion.arkit import ARKIT_INDEX, ARKIT_NAMES

VERTICES = 7


def write_corpus(root, names_by_subject, stored_frames=12, protocol=2):
    (root / "wav").mkdir(parents=True)
    (root / "vertices_npy").mkdir()
    rng = np.random.default_rng(0)
    templates = {}
    for subject, names in names_by_subject.items():
        templates[subject] = rng.normal(size=(VERTICES, 3)).astype(np.float32)
        for name in names:
            soundfile.write(str(root / "wav" / f"{name}.wav"), 0.1 * rng.normal(size=8000), 16000)
            frames = np.arange(stored_frames * VERTICES * 3, dtype=np.float32).reshape(stored_frames, -1)
            np.save(root / "vertices_npy" / f"{name}.npy", frames)
    (root / "templates.pkl").write_bytes(pickle.dumps(templates, protocol=protocol))
    return templates


HEAD = ["HeadYaw", "HeadPitch", "HeadRoll"]


def write_take(path, frames=120, capture_fps=60):
    header = ["Timecode", "BlendShapeCount", *[name[0].upper() + name[1:] for name in ARKIT_NAMES], *HEAD]
    lines = [",".join(header)]
    for i in range(frames):
        seconds, frame = divmod(i, capture_fps)
        jaw = i / (frames - 1)  # jawOpen rises linearly over the take
        values = np.zeros(len(ARKIT_NAMES))
        values[ARKIT_INDEX["jawOpen"]] = jaw
        values[ARKIT_INDEX["eyeBlinkLeft"]] = 0.5
        lines.append(",".join([f"10:20:{30 + seconds:02d}:{frame}.0", "61", *[f"{v:.6f}" for v in values],
                               "0.1", "0.2", "0.3"]))
    path.write_text("\n".join(lines) + "\n")
