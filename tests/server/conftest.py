"""One real server for the session, started as the add-on starts it, with the test models registered
and small limits so the limit cases stay quick."""

import pytest

from tests.server.server_process import RunningServer, start_server
from tests.speech import speak

# Small enough that the limit cases are cheap to send, large enough for every ordinary request.
TEST_LIMITS = ("--max-request-mb", "4", "--max-audio-seconds", "20", "--max-vertices", "20000",
               "--max-frame-vertices", "12000000", "--max-waiting-jobs", "2")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> RunningServer:
    running = start_server("--device", "cpu", *TEST_LIMITS, with_test_models=True,
                           log_dir=tmp_path_factory.mktemp("server-log"))
    yield running
    code = running.stop()
    assert code == 0, f"the server exited with {code}; its log:\n{running.log()}"


@pytest.fixture()
def client(server):
    with server.client() as http:
        yield http
    assert server.process.poll() is None, f"the server died; its log:\n{server.log()}"


@pytest.fixture(scope="session")
def spoken_line(tmp_path_factory) -> bytes:
    return speak("Bob bought a map of the moon.", tmp_path_factory.mktemp("speech") / "line.wav").read_bytes()
