"""Keeps the template tests' cache out of the user's real cache folder."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory):
    previous = os.environ.get("LIPWRIGHT_CACHE_DIR")
    os.environ["LIPWRIGHT_CACHE_DIR"] = str(tmp_path_factory.mktemp("lipwright-cache"))
    yield
    if previous is None:
        os.environ.pop("LIPWRIGHT_CACHE_DIR", None)
    else:
        os.environ["LIPWRIGHT_CACHE_DIR"] = previous
