import pytest

from clients.segmentation import run as segmentation_run
from crm.management.commands.seed_demo import Command as Seed
from tests.bench import generate


@pytest.fixture
def segmented(db):
    """A small bench data set (400 clients, 5 branches, 100 staff) with 14 months of
    facts, segmented once: the start of the dashboards' client master fixtures."""
    Seed().seed_kernel()
    generate.ensure_staff()
    generate.generate(400, 14, {})
    segmentation_run()
