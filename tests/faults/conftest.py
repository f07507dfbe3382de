"""The fault suite runs on the production stack of the pipeline tests: `oms worker` and `oms relay` processes on
PostgreSQL and RabbitMQ (the `stack` fixture), with faults injected while orders flow."""
from tests.faults.harness import REPORT
from tests.workers.conftest import stack  # noqa: F401 - the fixture, shared with the pipeline tests


def pytest_terminal_summary(terminalreporter):
    """The counts of every scenario in the output, passed or failed (CI keeps them)."""
    if REPORT:
        terminalreporter.section("fault suite: what became of every order")
        for line in REPORT:
            terminalreporter.write_line(line)
