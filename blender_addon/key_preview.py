"""The Prepare Character preview: one 0..1 slider that plays jawOpen, mouthClose, mouthFunnel and mouthSmile
on the character, one after another, without keyframing anything.

The keys' own values are saved on the object when the preview leaves 0 and put back when it returns to 0,
so a preview leaves the character as it was (even across a save and reload in between)."""

import json
import math

# One quarter of the slider each; each key rises to its share and falls back within its quarter.
# mouthClose shows against an open jaw (its meaning in ARKit): the jaw opens with it, halfway.
PREVIEW_STEPS = ({"jawOpen": 1.0}, {"mouthClose": 1.0, "jawOpen": 0.5}, {"mouthFunnel": 1.0},
                 {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0})
PREVIEW_KEYS = tuple(dict.fromkeys(name for step in PREVIEW_STEPS for name in step))
SAVED_KEY = "lipwright_preview_saved"  # JSON {key name: value before the preview}


def preview_weights(amount: float) -> dict[str, float]:
    """Key name -> value at slider position `amount` (0 leaves every preview key at 0)."""
    weights = dict.fromkeys(PREVIEW_KEYS, 0.0)
    amount = min(max(float(amount), 0.0), 1.0)
    if amount <= 0.0:
        return weights
    position = amount * len(PREVIEW_STEPS)
    step = min(int(position), len(PREVIEW_STEPS) - 1)
    rise = math.sin(math.pi * min(position - step, 1.0))
    if amount >= 1.0:
        rise = 0.0  # the slider's end is a rest pose too
    for name, share in PREVIEW_STEPS[step].items():
        weights[name] = share * rise
    return weights


def apply_preview(obj, amount: float) -> None:
    keys = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
    if keys is None:
        return
    blocks = {name: keys.key_blocks[name] for name in PREVIEW_KEYS if name in keys.key_blocks}
    if amount <= 0.0:
        saved = _saved(obj)
        for name, value in saved.items():
            if name in blocks:
                blocks[name].value = value
        if SAVED_KEY in obj:
            del obj[SAVED_KEY]
        return
    if SAVED_KEY not in obj:
        obj[SAVED_KEY] = json.dumps({name: float(block.value) for name, block in blocks.items()})
    for name, value in preview_weights(amount).items():
        if name in blocks:
            blocks[name].value = max(blocks[name].slider_min, min(blocks[name].slider_max, value))


def _saved(obj) -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(obj.get(SAVED_KEY, "{}")).items()}
    except (ValueError, TypeError, AttributeError):
        return {}
