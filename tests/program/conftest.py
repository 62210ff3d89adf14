import pytest

from tests.devices.conftest import Fleet


@pytest.fixture
def fleet(db) -> Fleet:
    return Fleet(db)
