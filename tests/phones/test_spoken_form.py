"""spoken_form: transcripts as people type them become the words a speaker says."""

import pytest

from lipwright.phones.spoken_form import fold_letters, spoken_form


@pytest.mark.parametrize(
    "typed, spoken",
    [
        ("Meet me at 5 pm.", "Meet me at five p m"),
        ("It opens at 10:30 a.m. and 7:05pm", "It opens at ten thirty a m and seven oh five p m"),
        ("Lunch is at 12:00", "Lunch is at twelve o'clock"),
        ("That costs $3.50", "That costs three dollars fifty cents"),
        ("A £1 coin and €20", "A one pound coin and twenty euros"),
        ("They raised $2 million", "They raised two million dollars"),
        ("Prices fell 15% today", "Prices fell fifteen percent today"),
        ("the 21st of May", "the twenty-first of May"),
        ("back in the 1990s", "back in the nineteen nineties"),
        ("music of the '80s", "music of the eighties"),
        ("It was 1984", "It was nineteen eighty-four"),
        ("pi is 3.14", "pi is three point one four"),
        ("it fell to -5", "it fell to minus five"),
        ("Dr. Smith and Mr. Jones", "doctor Smith and mister Jones"),
        ("St. Paul lives on Baker St.", "saint Paul lives on Baker street"),
        ("apples, pears, etc.", "apples, pears, et cetera"),
        ("salt & pepper", "salt and pepper"),
        ("1,250 people", "one thousand, two hundred and fifty people"),
    ],
)
def test_numbers_money_times_and_abbreviations_are_spoken(typed, spoken):
    assert spoken_form(typed) == spoken


def test_accents_and_typography_fold_to_plain_letters():
    assert fold_letters("café naïve Zoë Straße") == "cafe naive Zoe Strasse"
    folded = fold_letters("“Don’t,” she said\u00a0— twice…")
    assert folded.split() == ['"Don\'t,"', "she", "said", "-", "twice", "..."]


def test_every_spoken_form_is_in_the_dictionary():
    """What normalising writes needs no guessed pronunciation (and so no warning the user cannot explain)."""
    from lipwright.phones.decoders import aligner
    from lipwright.phones.transcript import transcript_words

    typed = ("Dr. Smith, Mr. and Mrs. Jones, Ms. Lee, Prof. Ng's Jr. and Sr. staff on Baker St. and St. Paul: "
             "$3.50, £2, €1.01, ¥500, $2 million, 15%, 5 pm, 10:30 a.m., 7:05pm, 12:00, the 21st, 2nd, 3rd, "
             "1990s, '80s, 2000s, 1984, 2025, 3.14, -5, 1,250, etc., e.g., i.e., vs. No. 5 & 6 + 2 @ #1")
    prepared = transcript_words(typed, aligner().decoder.lookup_word)
    assert set(prepared.guessed) == {"ng's"}, prepared.guessed  # the one real name in the line
