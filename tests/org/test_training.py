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


def test_training_page_pages_the_untrained_and_lists_who_is_due(client, db):
    from datetime import timedelta

    from openbwc.kit.time import utcnow
    from openbwc.org.models import TrainingRecord
    from tests.factories import make_account
    from tests.web_helpers import log_on

    people = [_person(db, f"TP{i:04d}") for i in range(55)]
    due = people[0]
    db.add(TrainingRecord(person_id=due.id, course="BWC", completed_at=utcnow() - timedelta(days=350),
                          expires_at=utcnow() + timedelta(days=10), recorded_by="test"))
    db.flush()
    log_on(client, make_account(db, "program_manager"))
    first = client.get("/training").text
    assert 'rel="next"' in first and "Page 1 of" in first
    assert f'href="/people/{due.badge}"' in first.split("Not trained or expired")[0]
    assert client.get("/training", params={"page": 2}).status_code == 200
