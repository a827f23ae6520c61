"""The corpus's lines cover every English phone, with words the teacher's dictionary knows."""

import re
from collections import Counter

from lipwright.phones.align import dictionary_pronunciation
from lipwright.phones.decoders import aligner
from lipwright.synthetic.lines import lines

ARPABET = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z "
           "ZH").split()


def test_every_phone_is_well_covered_and_every_word_is_known():
    shared = aligner()
    counts, unknown = Counter(), set()
    generated = lines(300, seed=1)
    for text in generated:
        for word in re.findall(r"[a-z']+", text.lower()):
            pronunciation = dictionary_pronunciation(shared, word)
            if pronunciation is None:
                unknown.add(word)
            else:
                counts.update(pronunciation.split())
    assert not unknown
    assert {phone: counts[phone] for phone in ARPABET if counts[phone] < 20} == {}


def test_lines_vary_and_repeat_for_a_seed():
    generated = lines(200, seed=2)
    assert generated == lines(200, seed=2) and generated != lines(200, seed=3)
    assert len(set(generated)) > 190
    words = [len(text.split()) for text in generated]
    assert min(words) <= 6 and max(words) >= 25
    assert {text[-1] for text in generated} == {".", "!", "?"}
    assert any("," in text for text in generated) and any(". " in text for text in generated)
