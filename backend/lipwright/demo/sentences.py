"""Generated English lines for lip-sync tests and benchmarks: seeded, so every run speaks the same.

Clauses are rich in what lip sync gets wrong (p/b/m next to pauses, open vowels, rounding) and
join with commas, so the synthesisers put short pauses between them."""

from __future__ import annotations

import random

_SUBJECTS = ("Bob", "my mom", "the boss", "Pam", "the tall man", "a small dog", "our aunt", "the kids",
             "Paul", "the cat", "my father", "Tom")
_VERBS = ("bought", "saw", "caught", "packed", "made", "taught", "brought", "walked past", "dropped",
          "hopped over", "talked about", "opened")
_OBJECTS = ("a map", "the hot pot", "all the apples", "a big box", "the art", "some plums", "the odd bottle",
            "a lamp", "the barn", "a cab", "the palm", "a hat")
_TAILS = ("up", "at dawn", "by the pond", "in the park", "on top", "after lunch", "for my pal", "again",
          "by the bay", "at home", "all day", "in march")
_OPENERS = ("Keep up", "Look", "Oh my", "Stop", "Wait", "Well", "Maybe", "Right")


def sentences(count: int, seed: int = 0) -> list[str]:
    """`count` different lines of one to three clauses, the same for the same seed."""
    rng = random.Random(seed)
    lines: list[str] = []
    while len(lines) < count:
        clauses = [f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
                   for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.5:
            clauses.insert(0, rng.choice(_OPENERS))
        line = ", ".join(clauses) + rng.choice((".", "!", "?"))
        line = line[0].upper() + line[1:]
        if line not in lines:
            lines.append(line)
    return lines
