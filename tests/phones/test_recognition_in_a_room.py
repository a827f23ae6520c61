"""Recognition hears a line with its room taken out; alignment to a transcript hears it as it is."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.dereverberate import dereverberate, dereverberated
from lipwright.phones.align import align_phones_with_warnings
from lipwright.phones.heard_bilabials import HeardLips
from lipwright.phones.recognise import recognise_phones
from lipwright.phones.track import phones_for_clip
from lipwright.synthetic.augment import in_room
from tests.speech import compose_line

TEXT = "Bob kept the map by the big barn."


@pytest.fixture(scope="module")
def clip():
    line = compose_line([0.4, TEXT, 0.4], engine="flite", voice="awb")
    wet = in_room(line.samples, line.sample_rate, 0.4, 5.0, np.random.default_rng(2))
    return AudioClip(wet.astype(np.float32), line.sample_rate)


def test_the_networks_hear_what_the_phone_search_hears(clip):
    """Recognition "network": the clip handed to the networks is the dereverberated one."""
    handed = []

    def hear(sound: AudioClip) -> HeardLips:
        handed.append(sound)
        return HeardLips(sealed=[], bilabial=None, fps=30.0)

    track = phones_for_clip(clip, None, "network", hear)
    assert track.phones and len(handed) == 1
    assert handed[0].sample_rate == clip.sample_rate and handed[0].seconds == clip.seconds
    assert np.array_equal(handed[0].samples, dereverberate(clip.samples, clip.sample_rate))
    assert not np.array_equal(handed[0].samples, clip.samples)


def test_the_phone_search_runs_on_the_dereverberated_line(clip):
    heard = phones_for_clip(clip, None, "fast").phones
    assert heard == recognise_phones(dereverberated(clip))
    assert heard != recognise_phones(clip)  # the room changed what was heard here


def test_a_transcript_is_aligned_to_the_line_as_it_is(clip):
    track = phones_for_clip(clip, TEXT, "fast")
    assert track.method == "aligned"
    assert track.phones == align_phones_with_warnings(clip, TEXT)[0]
    assert track.phones != align_phones_with_warnings(dereverberated(clip), TEXT)[0]  # the room matters here
