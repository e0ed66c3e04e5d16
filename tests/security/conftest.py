import sys


def pytest_terminal_summary(terminalreporter):
    """The fuzzing figures (operations, requests), when the fuzz test ran."""
    fuzz = sys.modules.get("tests.security.test_fuzz")
    if fuzz is not None and fuzz.SENT["requests"]:
        terminalreporter.write_line(fuzz.summary())
