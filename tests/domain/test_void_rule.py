"""A void must leave a history recording would accept (`problems_removed`)."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.history import EventType, problems_added, problems_removed, replay
from tests.domain.test_history import LEVELS, event, histories


def recorded(candidates):
    """Return the events recording would have accepted, offered in arrival order."""
    kept = []
    for candidate in candidates:
        if not problems_added(existing=kept, new=candidate, level_of=LEVELS):
            kept.append(candidate)
    return kept


def test_voiding_the_exit_before_a_rehire_names_the_rehire():
    history = [
        event("hire", EventType.hire, date(2020, 1, 6), 1, "rn"),
        event("exit", EventType.exit, date(2021, 6, 30), 2),
        event("rehire", EventType.hire, date(2022, 2, 1), 3, "rn-manager"),
    ]
    broken = problems_removed(existing=history, removed_id="exit", level_of=LEVELS)
    assert [(p.event_id, p.field) for p in broken] == [("rehire", "type")]
    assert problems_removed(existing=history, removed_id="rehire", level_of=LEVELS) == []


@given(candidates=histories(), data=st.data())
@settings(max_examples=200, deadline=None)
def test_an_accepted_void_leaves_a_history_without_problems_and_a_refused_one_names_others(
    candidates, data
):
    history = recorded(candidates)
    assert replay(events=history, level_of=LEVELS).problems == []
    if not history:
        return
    voided = data.draw(st.sampled_from(history))
    rest = [e for e in history if e.id != voided.id]
    broken = problems_removed(existing=history, removed_id=voided.id, level_of=LEVELS)
    if broken:
        assert {p.event_id for p in broken} <= {e.id for e in rest}
    else:
        assert replay(events=rest, level_of=LEVELS).problems == []
        # ... and recording would accept every remaining event again, in arrival order.
        assert recorded(rest) == rest
