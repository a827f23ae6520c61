"""Festival's Italian, Finnish, Czech, Catalan, Russian, Hindi, Marathi and Telugu voices (real festival, real
speech): every phone they speak has a viseme, their own segment times cover and fit the audio, and a corpus
grown by them beside an English voice keeps both and closes the lips on every p/b/m they spoke."""

import json
import random
import re
import subprocess

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import frame_count
from lipwright.datasets.corpus import Corpus
from lipwright.errors import LipwrightError
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.motion.visemes import BILABIALS
from lipwright.phones.phone import SILENCE
from lipwright.synthetic.corpus import make_corpus
from lipwright.phones.phone import ARPABET
from lipwright.synthetic.festival_phones import PHONE_SETS, arpabet, phones_from_segments
from lipwright.synthetic.festival_speech import speak_with_phones
from lipwright.synthetic.foreign_lines import LANGUAGES, foreign_line
from lipwright.synthetic.voices import FOREIGN_INDIC_VOICES, FOREIGN_MORE_VOICES, FOREIGN_VOICES, Voice

# One voice per language, one of them played faster (its phone times scale with it).
ALL_FOREIGN = FOREIGN_VOICES + FOREIGN_MORE_VOICES + FOREIGN_INDIC_VOICES
ONE_PER_LANGUAGE = {voice.language: voice for voice in ALL_FOREIGN if voice.speed == 1.0 and not voice.words_per_minute}
ONE_PER_LANGUAGE["czech"] = Voice("festival", "czech_ph", 0, 0, 1.12, "czech")
# Letters spoken with the lips closed; Catalan says v as b. Devanagari and Telugu bh is an aspirated b.
LABIAL_LETTERS = {"catalan": "pbmv", "russian": "пбм", "hindi": "पबमभ", "marathi": "पबमभ", "telugu": "పబమభ"}


def test_every_voice_set_is_distinct_and_speaks_a_language_the_lines_know():
    ids = [voice.id for voice in ALL_FOREIGN]
    assert len(ids) == len(set(ids)) and "_" not in "".join(ids)
    assert {voice.language for voice in ALL_FOREIGN} == set(LANGUAGES) and set(ONE_PER_LANGUAGE) == set(LANGUAGES)


def _festival_phone_set(voice: Voice) -> tuple[str, list[str]]:
    script = f"(voice_{voice.name})\n(set! d (PhoneSet.description nil))\n" \
             "(print (car (cdr (assoc 'name d))))\n(mapcar (lambda (p) (print (car p))) (car (cdr (assoc 'phones d))))\n"
    run = subprocess.run(["festival", "--pipe"], input=script.encode(), capture_output=True, timeout=60, check=True)
    name, *phones = [row.strip().strip('"') for row in run.stdout.decode().splitlines() if row.strip()]
    return name, phones


@pytest.mark.parametrize("voice", sorted({(v.name, v.language): v for v in ALL_FOREIGN}.values(), key=str),
                         ids=lambda voice: voice.name)
def test_every_phone_of_every_foreign_voice_has_a_viseme(voice):
    name, phones = _festival_phone_set(voice)
    assert name == LANGUAGES[voice.language].phone_set and len(phones) > 25
    assert {arpabet(name, phone) for phone in phones} <= ARPABET | {SILENCE}


_VIRAMAS = "\u094d\u0c4d"  # Devanagari's and Telugu's: the letter before it carries no vowel


def _written_closures(text: str, language: str) -> int:
    """How many lip closures `text` writes: runs of labial letters (a doubled one is one closure). In Devanagari
    and Telugu a consonant letter carries a vowel unless a virama follows it, so only a virama joins two."""
    labial = LABIAL_LETTERS.get(language, "pbm")
    if language in ("hindi", "marathi", "telugu"):
        return sum(char in labial and not (i >= 2 and text[i - 1] in _VIRAMAS and text[i - 2] in labial)
                   for i, char in enumerate(text))
    letters = re.sub(r"[^\w]+", " ", text.lower()).replace(" ", "")
    return _labial_runs(["P" if letter in labial else letter for letter in letters])


def _labial_runs(labels: list[str]) -> int:
    return sum(label in BILABIALS and (i == 0 or labels[i - 1] not in BILABIALS) for i, label in enumerate(labels))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_spoken_phones_cover_the_audio_and_keep_every_closure_of_the_text(language, tmp_path):
    voice = ONE_PER_LANGUAGE[language]
    for index in range(6):
        text = foreign_line(random.Random(index), language)
        phones = speak_with_phones(text, voice, tmp_path / "line.wav")
        samples, rate = soundfile.read(str(tmp_path / "line.wav"), dtype="float32")
        assert phones[0].start == 0.0 and abs(phones[-1].end - len(samples) / rate) < 0.05, text
        assert all(a.end == b.start and a.start < a.end for a, b in zip(phones, phones[1:]))
        # p, b and m (and geminates: one closure) become one run of bilabial phones each.
        assert _labial_runs([phone.label for phone in phones]) == _written_closures(text, language), text
        # The times are the audio's: pauses between phrases are quieter than the vowels around them.
        def loudness(label_test):
            spans = [p for p in phones[1:-1] if label_test(p.label) and p.duration > 0.04]
            return [np.sqrt(np.mean(samples[int(p.start * rate):int(p.end * rate)] ** 2)) for p in spans]
        pauses, vowels = loudness(lambda label: label == SILENCE), loudness(lambda label: label in ("AA", "OW", "IY"))
        if pauses:
            assert max(pauses) < 0.5 * np.median(vowels), text


def test_generated_segments_become_phones_that_cover_the_clip_without_gaps_or_empty_spans():
    """Any segment list festival could write (any phone of any set, ends that repeat, silences in a row) gives
    contiguous phones from 0 to the last end times the scale, none empty, no two silences side by side."""
    rng = np.random.default_rng(23)
    for _ in range(300):
        phone_set = str(rng.choice(sorted(PHONE_SETS)))
        names = sorted(PHONE_SETS[phone_set])
        ends = np.round(np.cumsum(rng.choice([0.0, 0.01, 0.05, 0.12], size=rng.integers(1, 30))), 4) + 0.01
        rows = [f"{end:.4f} 100 {rng.choice(names)}" for end in ends]
        scale = float(rng.uniform(0.7, 1.3))
        phones = phones_from_segments("separator ;\nnfields 1\n#\n" + "\n".join(rows) + "\n", phone_set, scale)
        assert phones[0].start == 0.0 and abs(phones[-1].end - ends[-1] * scale) < 1e-9
        assert all(a.end == b.start for a, b in zip(phones, phones[1:])) and all(p.duration > 0 for p in phones)
        assert not [a for a, b in zip(phones, phones[1:]) if a.label == b.label == SILENCE]
        assert {p.label for p in phones} <= ARPABET | {SILENCE}


def test_every_generated_line_is_written_in_letters_its_voices_read():
    """Festival reads each language in one 8-bit encoding (UTF-8 for Russian and the Indic scripts): a letter
    outside it would be garbled into other phones. Lines also end in punctuation, start with a capital where the
    script has them, and hold at least one word."""
    for language, spoken in LANGUAGES.items():
        for seed in range(300):
            text = foreign_line(random.Random(seed), language)
            assert text.encode(spoken.encoding).decode(spoken.encoding) == text
            assert text[-1] in ".!?" and text[0].isalpha() and text[0] == text[0].upper() and len(text.split()) >= 2


def test_segments_are_read_past_the_header_and_scaled_for_faster_speech():
    segments = "separator ;\nnfields 1\n#\n0.1000 100 #\n0.2500 100 m\n0.4000 100 a1\n0.4000 100 p\n0.6 100 #\n"
    phones = phones_from_segments(segments, "italian", time_scale=0.5)
    assert [(p.label, p.start, p.end) for p in phones] == [
        (SILENCE, 0.0, 0.05), ("M", 0.05, 0.125), ("AA", 0.125, 0.2), (SILENCE, 0.2, 0.3)]
    with pytest.raises(LipwrightError, match="no viseme"):
        phones_from_segments("#\n0.1 100 qq\n", "czech")


def test_only_festival_voices_of_a_known_language_speak_with_phones(tmp_path):
    for voice in (Voice("espeak-ng", "it", language="italian"), Voice("festival", "lp_diphone", language="klingon")):
        with pytest.raises(LipwrightError, match="timed phones come from festival"):
            speak_with_phones("Mamma mia.", voice, tmp_path / "a.wav")
    with pytest.raises(LipwrightError, match="kept out for evaluation"):
        speak_with_phones("Mamma mia.", Voice("festival", "kal_diphone", language="italian"), tmp_path / "a.wav")


def test_a_corpus_grows_by_foreign_voices_beside_english_and_their_targets_close_every_closure(tmp_path):
    english = (Voice("flite", "rms"),)
    make_corpus(tmp_path, hours=3 / 3600, voices=english, augmented=False)
    foreign = (ONE_PER_LANGUAGE["italian"], ONE_PER_LANGUAGE["czech"])
    summary = make_corpus(tmp_path, hours=8 / 3600, voices=foreign, brows=True)
    assert summary["seconds"] >= 8 and not summary["skipped"]
    corpus = Corpus(tmp_path)
    subjects = {sequence.subject for sequence in corpus.sequences}
    assert subjects == {voice.id for voice in english + foreign}
    closures = 0
    for sequence in corpus.sequences:
        phones = json.loads((tmp_path / "phones" / f"{sequence.name}.json").read_text())
        if phones["language"] == "english":
            continue
        weights = np.load(tmp_path / "weights_npy" / f"{sequence.name}.npy")
        assert len(weights) == len(sequence.vertices()) == frame_count(sequence.audio().seconds, 30.0)
        opening, rest = opening_and_rest(weights)
        scores = lipsync_scores([tuple(p) for p in phones["phones"]], opening, rest, corpus.fps)
        assert all(scores["closed"]) and all(scores["opened"]), sequence.name
        closures += len(scores["closed"])
    assert closures > 5
