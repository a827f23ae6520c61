"""Generated English lines for a training corpus: varied in length, punctuation and pauses, with
every English phone (all 39 of CMU's set) well covered, the rare ones (ZH, OY, UH, NG, TH) by
words chosen for them. Every word is in the CMU dictionary, so the teacher never guesses."""

from __future__ import annotations

import random

_SUBJECTS = ("the boy", "my mother", "a young judge", "the children", "your neighbour", "our teacher",
             "the fisherman", "a tall woman", "Bob", "the old sailor", "my brother", "the nurse",
             "a cheerful girl", "the shepherd", "Joyce", "the thin butcher", "you", "we", "they")
_VERBS = ("bought", "measured", "brought back", "washed", "found", "pushed", "took", "watched", "chose",
          "ate", "borrowed", "threw", "painted", "pulled", "should look at", "would enjoy", "usually check",
          "carefully moved", "is singing about", "was thinking about", "heard", "loved", "avoided")
_OBJECTS = ("a yellow boat", "the treasure", "some orange juice", "a wooden chair", "the cheese",
            "three heavy books", "a noisy toy", "the blue shoes", "a brown cloud", "his voice", "the good wood",
            "the rough rope", "a big garden", "the bird's feather", "a pair of gloves", "the vision",
            "the huge map", "a loaf of bread", "the church bells", "an oyster", "the leather purse")
_PLACES = ("at the beach", "in the morning", "by the river", "near the house", "after the rain",
           "under the bridge", "on the path", "through the window", "every Thursday", "with pleasure",
           "at noon", "in the evening", "behind the mountain", "at the zoo", "along the shore", "for an hour")
_OPENERS = ("Yes", "Oh", "Well", "Look", "Honestly", "Wait", "Maybe", "Of course", "Hmm", "Now then")
_ENDINGS = (".", ".", ".", "!", "?", "...")


def clause(rng: random.Random) -> str:
    parts = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS)]
    if rng.random() < 0.6:
        parts.append(rng.choice(_PLACES))
    return " ".join(parts)


def line(rng: random.Random) -> str:
    """One to four clauses joined by commas, 'and', 'but' or a full stop, sometimes with an opener."""
    pieces = [clause(rng)]
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        joiner = rng.choice((", ", ", and ", ", but ", ". ", "; "))
        next_clause = clause(rng)
        pieces.append(joiner + (next_clause[0].upper() + next_clause[1:] if joiner == ". " else next_clause))
    text = "".join(pieces)
    if rng.random() < 0.3:
        text = f"{rng.choice(_OPENERS)}, {text}"
    text = text[0].upper() + text[1:]
    return text + rng.choice(_ENDINGS)


def lines(count: int, seed: int = 0) -> list[str]:
    """`count` lines, the same for the same seed."""
    rng = random.Random(seed)
    return [line(rng) for _ in range(count)]
