"""Pronunciations for words the dictionary lacks: espeak-ng when installed, spelling rules when not."""

from lipwright.phones.guess_pronunciation import guess_pronunciations, ipa_to_arpabet, spelling_pronunciation
from lipwright.phones.phone import ARPABET


def test_espeak_ng_pronounces_names_and_new_words():
    guessed, converter = guess_pronunciations(["quokka", "lipwright", "nguyen", "zhivago", "of"])
    assert converter == "espeak-ng"
    assert guessed["lipwright"] == "L IH P R AY T"
    assert guessed["quokka"].startswith("K W") and guessed["zhivago"].startswith("ZH")
    assert guessed["of"] == "AH V"  # short words that espeak-ng runs together still come back alone


def test_ipa_symbols_map_to_arpabet():
    assert ipa_to_arpabet("tʃˈɑːklət") == "CH AA K L AH T"
    assert ipa_to_arpabet("mˈɛʒɚ") == "M EH ZH ER"
    assert ipa_to_arpabet("bˈɔɪ") == "B OY"


def test_without_espeak_ng_spelling_rules_answer(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    guessed, converter = guess_pronunciations(["quokka", "mbappe"])
    assert converter == "spelling rules"
    for phones in guessed.values():
        assert phones and set(phones.split()) <= ARPABET
    assert guessed["mbappe"].startswith("M B") and "P" in guessed["mbappe"].split()


def test_spelling_rules_cover_every_word():
    for word in ["xylophone", "thigh", "queue", "rhythm", "a", "zzz"]:
        assert set(spelling_pronunciation(word).split()) <= ARPABET
