from datetime import UTC, datetime, timedelta

from openbwc.org import service
from tests.factories import TEST_ACTOR


def _person(db, badge="E70001"):
    return service.add_person(db, TEST_ACTOR, badge=badge, name="Test Person", division="ERO", office="BAL")


def test_trained_exactly_until_one_year_after_completion(db):
    person = _person(db)
    done = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    service.add_training(db, TEST_ACTOR, badge=person.badge, completed_at=done)
    assert not service.is_trained(db, person, done - timedelta(seconds=1))
    assert service.is_trained(db, person, done)
    assert service.is_trained(db, person, datetime(2026, 6, 1, 11, 59, 59, tzinfo=UTC))
    assert not service.is_trained(db, person, datetime(2026, 6, 1, 12, 0, tzinfo=UTC))


def test_leap_day_completion_expires_on_28_february():
    assert service.one_year_after(datetime(2024, 2, 29, tzinfo=UTC)) == datetime(2025, 2, 28, tzinfo=UTC)


def test_a_refresher_extends_training(db):
    person = _person(db)
    service.add_training(db, TEST_ACTOR, badge=person.badge, completed_at=datetime(2024, 1, 10, tzinfo=UTC))
    service.add_training(db, TEST_ACTOR, badge=person.badge, completed_at=datetime(2025, 1, 5, tzinfo=UTC))
    assert service.is_trained(db, person, datetime(2025, 12, 1, tzinfo=UTC))
    view = service.describe_people(db, [person], datetime(2025, 12, 1, tzinfo=UTC))[0]
    assert view.training_expires_at == datetime(2026, 1, 5, tzinfo=UTC)
