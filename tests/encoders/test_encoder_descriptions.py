"""An encoder description saved before some log-mel setting existed means that setting's default."""

import random
from dataclasses import fields

from lipwright.encoders.build import described_whole, log_mel_spec
from lipwright.encoders.log_mel import LogMelConfig


def test_a_description_missing_any_settings_reads_as_their_defaults_and_a_changed_one_differs():
    rng = random.Random(22)
    names = [field.name for field in fields(LogMelConfig)]
    for _ in range(200):
        full = log_mel_spec(**{"dim": rng.choice([16, 64, 128]), "warp": rng.choice([0.0, 0.1, 0.2]),
                               "band_masks": rng.randint(0, 3)})
        defaults = log_mel_spec()
        # Drop any settings that are at their defaults: what an older run's config.json would lack.
        droppable = [name for name in names if full[name] == defaults[name]]
        older = {key: value for key, value in full.items() if key not in rng.sample(droppable, rng.randint(0, len(droppable)))}
        assert described_whole(older) == described_whole(full) == full
        changed = rng.choice(names)
        other = {**older, changed: full[changed] + 1 if not isinstance(full[changed], bool) else not full[changed]}
        assert described_whole(other) != described_whole(full)
    pretrained = {"kind": "wav2vec2", "path": "/models/w2v"}
    assert described_whole(pretrained) is pretrained
