"""Fixtures: one real `earshot serve` on a loopback port, shared by the tests that only read from it."""

from __future__ import annotations

import pytest

from tests.cloud.serving import Server, start_server, stop_server


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """One real server shared by the tests that do not change its state in ways others see."""
    running = start_server(tmp_path_factory.mktemp("earshot-data"))
    yield running
    assert stop_server(running.process) == 0, (running.data_dir / "server.log").read_text()
