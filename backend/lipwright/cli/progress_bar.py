"""A terminal progress bar that fits the models' Progress callback."""

from contextlib import contextmanager
from typing import Iterator

from ..models.base import Progress


@contextmanager
def terminal_progress(description: str) -> Iterator[Progress]:
    from tqdm import tqdm

    with tqdm(total=100, desc=description, unit="%", bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}") as bar:

        def report(fraction: float, message: str) -> None:
            bar.n = round(100 * min(max(fraction, 0.0), 1.0))
            bar.set_postfix_str(message, refresh=False)
            bar.refresh()

        yield report
