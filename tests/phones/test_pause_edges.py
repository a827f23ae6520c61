"""A phone next to a pause ends where its sound does, whether aligned to a transcript or recognised."""

import subprocess

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.phones import phones_for_clip
from lipwright.phones.pause_edges import EDGE_MARGIN_SECONDS, trim_into_silence
from lipwright.synthetic.augment import coloured_noise
from lipwright.phones.phone import Phone, fill_timeline
from tests.speech import synthesise

# festival's ked voice (a tuning voice, never kal) ends lines on a nasal that the aligner ran on
# 0.3-0.5 s into the silence after it.
LINES = [("Maybe, Tom taught some plums again?", 0.8), ("Maybe, Tom taught some plums again?", 1.0),
         ("Then we ran in the rain.", 1.0)]
RUN_ON_LIMIT = 0.2  # seconds past the last sample within 40 dB of the peak


def festival_line(text: str, stretch: float, folder) -> tuple[AudioClip, float]:
    """`text` spoken by festival's ked with 0.5 s of silence either side, and when its sound ends."""
    wav = folder / "line.wav"
    script = (f"(begin (voice_ked_diphone)(Parameter.set 'Duration_Stretch {stretch})"
              f'(set! u (utt.synth (Utterance Text "{text}")))(utt.save.wave u "{wav}" \'riff))')
    subprocess.run(["festival", "-b", script], check=True, capture_output=True)
    samples, rate = soundfile.read(wav, dtype="float32")
    silence = np.zeros(rate // 2, dtype=np.float32)
    samples = np.concatenate([silence, samples, silence])
    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    return AudioClip(samples, rate), loud[-1] / rate


@pytest.mark.parametrize("text, stretch", LINES)
@pytest.mark.parametrize("mode", ["transcript", "fast"])
def test_the_last_phone_stops_with_the_sound(text, stretch, mode, tmp_path):
    clip, sound_end = festival_line(text, stretch, tmp_path)
    track = phones_for_clip(clip, text if mode == "transcript" else None)
    last = [phone for phone in track.phones if phone.label != "SIL"][-1]
    assert last.end <= sound_end + RUN_ON_LIMIT, (last, sound_end)
    assert track.phones[-1].label == "SIL" and track.phones[-1].end == pytest.approx(clip.seconds)



# Lines whose first phone the phone search heard as an f starting 0.05-0.14 s early, in the hiss before
# the voice, until the trim learnt the noise floor (and one it always heard right).
NOISY_LINES = [("flite", "rms", "A big plum fell off the table, and Pam laughed."),
               ("espeak-ng", "en-us", "Did the cat find a pal? Bob will grab the map."),
               ("espeak-ng", "en-us+m1", "A big plum fell off the table, and Pam laughed."),
               ("flite", "awb", "Did the cat find a pal? Bob will grab the map.")]
HISS_LIMIT = 0.05  # seconds a phone may reach past the voice into the hiss: the trim's margin and a hop


@pytest.mark.parametrize("engine, voice, text", NOISY_LINES)
@pytest.mark.parametrize("mode", ["transcript", "fast"])
def test_phones_stop_with_the_voice_under_room_tone(engine, voice, text, mode):
    """Hiss 25-30 dB under the voice fills the pauses around the line (within 35 dB of its loud part, so
    the loud part alone calls it sound): the phones next to them still start and stop with the voice
    (audio/loudness.sound_threshold_db)."""
    samples, rate = synthesise(text, engine, voice), 16000
    silence = np.zeros(rate // 2, dtype=np.float32)
    samples = np.concatenate([silence, samples, silence])
    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    hiss = np.random.default_rng(7).standard_normal(len(samples)).astype(np.float32) * 10 ** (-45 / 20)
    track = phones_for_clip(AudioClip(samples + hiss, rate), text if mode == "transcript" else None)
    spoken = [phone for phone in track.phones if phone.label != "SIL"]
    assert spoken[0].start >= loud[0] / rate - HISS_LIMIT, (spoken[0], loud[0] / rate)
    assert spoken[-1].end <= loud[-1] / rate + HISS_LIMIT, (spoken[-1], loud[-1] / rate)


RATE = 16000


def _bursts_and_hiss(spans: list[tuple[float, float]], seconds: float, hiss_db: float | None, seed: int = 0,
                     colour: str = "white") -> AudioClip:
    """Voiced-like bursts (a 150 Hz buzz at -12 dBFS) over `spans`, under steady noise of `colour` at `hiss_db`
    dBFS (None: silence)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    samples = np.zeros_like(t)
    for start, end in spans:
        inside = (t >= start) & (t < end)
        samples[inside] = 0.35 * np.sign(np.sin(2 * np.pi * 150 * t[inside]))
    if hiss_db is not None:
        samples += coloured_noise(len(t), colour, rng) * 10 ** (hiss_db / 20)
    return AudioClip(samples.astype(np.float32), RATE)


# (Not brown: a rumble's level swings more than the 10 dB over its floor that counts as sound, so a swing can
# still read as a blip of sound in a pause; RESULTS says so.)
@pytest.mark.parametrize("hiss_db, colour", [(None, "white"), (-60.0, "white"), (-45.0, "white"), (-45.0, "pink")])
@pytest.mark.parametrize("seed", range(6))
def test_a_phone_stretched_across_a_long_quiet_leaves_a_pause_there(hiss_db, colour, seed):
    """The aligner skipped the pause between two sentences and ran the next word's first phone across it:
    the quiet becomes a pause and the phone keeps only its sound."""
    clip = _bursts_and_hiss([(0.5, 1.5), (2.3, 3.0)], 3.5, hiss_db, seed, colour)
    timeline = [Phone("SIL", 0.0, 0.5), Phone("AA", 0.5, 1.5), Phone("DH", 1.5, 2.4), Phone("AH", 2.4, 3.0),
                Phone("SIL", 3.0, 3.5)]
    trimmed = fill_timeline(trim_into_silence(timeline, clip), clip.seconds)  # as the recognisers call it
    in_pause = [phone for phone in trimmed if phone.start < 2.25 and phone.end > 1.55]
    assert [phone.label for phone in in_pause] == ["SIL"], trimmed
    dh = next(phone for phone in trimmed if phone.label == "DH")
    assert dh.start == pytest.approx(2.3 - EDGE_MARGIN_SECONDS, abs=0.008)
    assert dh.end == 2.4
    assert trimmed[0].start == 0.0 and trimmed[-1].end == 3.5
    assert all(a.end == pytest.approx(b.start) for a, b in zip(trimmed, trimmed[1:]))


def test_quiet_shorter_than_a_pause_keeps_its_phones():
    """Stop closures and short gaps between words (under 0.25 s of quiet) stay the phones they are, and a
    click of 20 ms inside a long quiet does not split its pause."""
    rng = np.random.default_rng(11)
    for _ in range(40):
        gaps = rng.uniform(0.03, 0.2, size=4)
        spans, cursor = [], 0.5
        for gap in gaps:
            spans.append((cursor, cursor + 0.3))
            cursor += 0.3 + gap
        spans.append((cursor, cursor + 0.3))
        clip = _bursts_and_hiss(spans, cursor + 0.8, -50.0, seed=int(rng.integers(1000)))
        timeline = [Phone("SIL", 0.0, 0.5), Phone("AA", 0.5, spans[-1][1]), Phone("SIL", spans[-1][1], clip.seconds)]
        spoken = [phone for phone in fill_timeline(trim_into_silence(timeline, clip), clip.seconds) if phone.label != "SIL"]
        assert len(spoken) == 1 and spoken[0].start == pytest.approx(0.5, abs=0.03), (gaps, spoken)
        assert spoken[0].end == pytest.approx(spans[-1][1], abs=0.03)
    clip = _bursts_and_hiss([(0.5, 1.0), (1.4, 1.42), (2.0, 2.5)], 3.0, -50.0)
    timeline = [Phone("SIL", 0.0, 0.5), Phone("AA", 0.5, 1.0), Phone("M", 1.0, 2.0), Phone("AA", 2.0, 2.5),
                Phone("SIL", 2.5, 3.0)]
    trimmed = fill_timeline(trim_into_silence(timeline, clip), clip.seconds)  # as the recognisers call it
    assert [phone.label for phone in trimmed if 1.05 < phone.centre < 1.95] == ["SIL"], trimmed


def test_generated_timelines_keep_their_phones_and_leave_long_quiet_at_rest():
    """Any timeline over any layout of sound and quiet (with or without hiss): the result still covers the
    clip phone after phone; every phone left is a part of one it was given, with its label; none reaches
    into a quiet run of QUIET_PAUSE_SECONDS or more past the margin; and a phone given once appears once."""
    from lipwright.phones.pause_edges import QUIET_PAUSE_SECONDS

    rng = np.random.default_rng(5)
    labels = ["AA", "M", "DH", "S", "T", "IY", "B"]
    for case in range(120):
        spans, cursor = [], float(rng.uniform(0.0, 0.6))
        while cursor < 4.0:
            length = float(rng.uniform(0.03, 0.6))
            spans.append((cursor, cursor + length))
            cursor += length + float(rng.choice([rng.uniform(0.02, 0.2), rng.uniform(0.25, 0.9)]))
        seconds = cursor + float(rng.uniform(0.0, 0.5))
        hiss = None if case % 3 == 0 else float(rng.uniform(-60, -45))
        clip = _bursts_and_hiss(spans, seconds, hiss, seed=case)
        cuts = np.sort(rng.uniform(0, seconds, size=int(rng.integers(2, 25))))
        edges = [0.0, *cuts.tolist(), seconds]
        given = [Phone(str(rng.choice(labels + ["SIL"])), a, b) for a, b in zip(edges, edges[1:]) if b > a]
        result = fill_timeline(trim_into_silence(given, clip), clip.seconds)
        assert result[0].start == 0.0 and result[-1].end == pytest.approx(clip.seconds)
        assert all(a.end == pytest.approx(b.start) and a.end > a.start for a, b in zip(result, result[1:]))
        spoken = [phone for phone in result if phone.label != "SIL"]
        sources = [next((g for g in given if g.label == phone.label and g.start - 1e-9 <= phone.start
                         and phone.end <= g.end + 1e-9), None) for phone in spoken]
        assert None not in sources, (case, spoken, given)
        assert len(set(map(id, sources))) == len(sources), case  # no phone split across a pause
        quiet = [(b0, a1) for (_, b0), (a1, _) in zip(spans, spans[1:]) if a1 - b0 >= QUIET_PAUSE_SECONDS + 0.02]
        for start, end in quiet:
            inside = (start + EDGE_MARGIN_SECONDS + 0.01, end - EDGE_MARGIN_SECONDS - 0.01)
            assert not [p for p in spoken if p.start < inside[1] and p.end > inside[0]], (case, start, end, spoken)
