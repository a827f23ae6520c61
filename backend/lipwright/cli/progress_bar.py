"""A terminal progress bar that fits the models' Progress callback."""

from contextlib import contextmanager
from typing import Iterator

from ..models.base import Progress


@contextmanager
def terminal_progress(description: str) -> Iterator[Progress]:
    from tqdm import tqdm

    # The message goes last so that the bar stays put while messages change length.
    with tqdm(total=100, desc=description, bar_format="{percentage:3.0f}%|{bar:30}| {desc}") as bar:

        def report(fraction: float, message: str) -> None:
            bar.n = round(100 * min(max(fraction, 0.0), 1.0))
            bar.set_description_str(f"{description}: {message}", refresh=False)
            bar.refresh()

        yield report
