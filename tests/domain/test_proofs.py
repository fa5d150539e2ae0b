"""Skill levels and expiring certifications (SPEC 11): what proofs amount to on a day, and
how readiness and comparisons read them."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.mobility import (
    MoveType,
    PayBand,
    PositionFacts,
    new_requirements,
    pay_change_percent,
    personal_fit,
)
from app.domain.proofs import (
    EXPIRY_NOTICE_DAYS,
    Expiring,
    Proof,
    Standing,
    State,
    check,
    expiring,
    standings,
)
from app.domain.readiness import (
    DEFAULT_POLICY,
    Component,
    Facts,
    Target,
    rank,
    score_readiness,
    summarize,
)
from app.domain.values import Money, Requirement, RequirementKind

CERT = RequirementKind.certification
SKILL = RequirementKind.skill
TRAINING = RequirementKind.training
DAY = date(2026, 3, 1)


def skill(eid: str, on: date, level: int = 1, name: str = "triage") -> Proof:
    return Proof(eid, on, SKILL, name, level)


def cert(eid: str, on: date, expires_on: date | None = None, name: str = "bls") -> Proof:
    return Proof(eid, on, CERT, name, 1, expires_on)


# --- standings and check ------------------------------------------------------------------


def test_the_highest_level_on_or_before_the_day_counts_with_the_earliest_event_reaching_it():
    proofs = [
        skill("a", date(2024, 1, 1), 2),
        skill("b", date(2024, 6, 1), 4),
        skill("c", date(2025, 1, 1), 4),
        skill("d", date(2026, 6, 1), 5),  # after the day
    ]
    assert standings(proofs=proofs, as_of=DAY) == {(SKILL, "triage"): Standing("b", 4)}


def test_a_skill_requirement_is_met_when_the_level_held_reaches_min_level():
    needs_three = Requirement(SKILL, "Triage", min_level=3)
    assert check(needs_three, None, as_of=DAY) is State.missing
    assert check(needs_three, Standing("a", 2), as_of=DAY) is State.below_level
    assert check(needs_three, Standing("a", 3), as_of=DAY) is State.met
    assert check(needs_three, Standing("a", 5), as_of=DAY) is State.met
    # Without min_level, any level meets it; a skill without a level is level 1.
    assert check(Requirement(SKILL, "Triage"), Standing("a"), as_of=DAY) is State.met


def test_a_certification_counts_from_occurred_on_until_the_day_before_it_expires():
    requirement = Requirement(CERT, "BLS")
    earned, expires = date(2024, 3, 1), date(2026, 3, 1)
    held = standings(proofs=[cert("a", earned, expires)], as_of=expires - timedelta(days=1))
    assert check(requirement, held[requirement.key], as_of=expires - timedelta(days=1)) is (
        State.met
    )
    held = standings(proofs=[cert("a", earned, expires)], as_of=expires)
    assert check(requirement, held[requirement.key], as_of=expires) is State.expired
    assert standings(proofs=[cert("a", earned, expires)], as_of=earned - timedelta(days=1)) == {}


def test_a_certification_without_expires_on_never_expires_and_a_renewal_extends_it():
    requirement = Requirement(CERT, "BLS")
    forever = standings(proofs=[cert("a", date(2000, 1, 1))], as_of=date(2199, 1, 1))
    assert forever[requirement.key] == Standing("a", 1, None)
    assert check(requirement, forever[requirement.key], as_of=date(2199, 1, 1)) is State.met
    renewed = standings(
        proofs=[
            cert("a", date(2022, 1, 1), date(2024, 1, 1)),
            cert("b", date(2023, 12, 1), date(2026, 12, 1)),
        ],
        as_of=DAY,
    )
    assert renewed[requirement.key] == Standing("b", 1, date(2026, 12, 1))
    assert check(requirement, renewed[requirement.key], as_of=DAY) is State.met


def test_expiring_lists_met_certifications_lapsing_within_90_days_soonest_first():
    bls, acls, cen = Requirement(CERT, "BLS"), Requirement(CERT, "ACLS"), Requirement(CERT, "CEN")
    edge = DAY + timedelta(days=EXPIRY_NOTICE_DAYS)
    held = {
        bls.key: Standing("a", 1, edge),  # exactly 90 days: listed
        acls.key: Standing("b", 1, DAY + timedelta(days=10)),
        cen.key: Standing("c", 1, edge + timedelta(days=1)),  # 91 days: not yet
    }
    assert expiring(requirements=[bls, acls, cen], standings=held, as_of=DAY) == (
        Expiring("ACLS", DAY + timedelta(days=10)),
        Expiring("BLS", edge),
    )
    # An expired one is missing, not expiring.
    assert expiring(requirements=[bls], standings={bls.key: Standing("a", 1, DAY)}, as_of=DAY) == ()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2000),
            st.integers(1, 5),
            st.none() | st.integers(1, 2000),
            st.sampled_from([SKILL, CERT]),
        ),
        max_size=6,
    ),
    st.tuples(
        st.integers(0, 2000),
        st.integers(1, 5),
        st.none() | st.integers(1, 2000),
        st.sampled_from([SKILL, CERT]),
    ),
    st.integers(1, 5),
    st.integers(0, 2500),
)
def test_adding_a_proof_never_unmeets_a_requirement(existing, added, min_level, offset):
    """Monotone (SPEC 5): another skill or certification never turns met into missing."""
    start = date(2020, 1, 1)

    def proof(n: int, item: tuple[int, int, int | None, RequirementKind]) -> Proof:
        day, level, lasts, kind = item
        on = start + timedelta(days=day)
        expires = on + timedelta(days=lasts) if lasts is not None and kind is CERT else None
        return Proof(f"e{n}", on, kind, "x", level if kind is SKILL else 1, expires)

    as_of = start + timedelta(days=offset)
    before = [proof(n, item) for n, item in enumerate(existing)]
    after = [*before, proof(len(before), added)]
    for requirement in (Requirement(SKILL, "x", min_level=min_level), Requirement(CERT, "x")):
        was = check(
            requirement, standings(proofs=before, as_of=as_of).get(requirement.key), as_of=as_of
        )
        now = check(
            requirement, standings(proofs=after, as_of=as_of).get(requirement.key), as_of=as_of
        )
        if was is State.met:
            assert now is State.met


# --- readiness --------------------------------------------------------------------------------


def facts(*development: Proof, as_of: date = DAY) -> Facts:
    return Facts(
        as_of=as_of,
        role_started_on=date(2020, 1, 1),
        role_event_id="hire",
        development=development,
    )


def target(*requirements: Requirement) -> Target:
    return Target("t", MoveType.promotion, requirements)


def test_a_skill_below_its_level_is_a_gap_with_both_levels_and_a_step_to_reach_it():
    needs = Requirement(SKILL, "Triage", min_level=4)
    result = score_readiness(
        facts=facts(skill("s1", date(2025, 1, 1), 2)), target=target(needs), policy=DEFAULT_POLICY
    )
    assert result.requirements_missing == (needs,)
    gap = next(g for g in result.gaps if g.component is Component.requirements)
    assert (gap.level_held, gap.level_needed, gap.expired_on) == (2, 4, None)
    assert gap.text == 'The mandatory skill "Triage" is held at level 2; level 4 is needed.'
    step = next(s for s in result.next_steps if s.component is Component.requirements)
    assert step.action == 'Reach level 4 in the skill "Triage" (held at level 2).'
    assert step.gain > 0
    requirements = next(c for c in result.components if c.name is Component.requirements)
    assert (requirements.score, requirements.evidence) == (Decimal(0), ())

    met = score_readiness(
        facts=facts(skill("s1", date(2025, 1, 1), 2), skill("s2", date(2025, 6, 1), 4)),
        target=target(needs),
        policy=DEFAULT_POLICY,
    )
    assert met.requirements_missing == ()
    requirements = next(c for c in met.components if c.name is Component.requirements)
    assert (requirements.score, requirements.evidence) == (Decimal(100), ("s2",))


def test_an_expired_certification_is_missing_with_renew_and_when_it_expired():
    needs = Requirement(CERT, "BLS")
    result = score_readiness(
        facts=facts(cert("c1", date(2023, 1, 1), date(2025, 1, 1))),
        target=target(needs),
        policy=DEFAULT_POLICY,
    )
    assert result.requirements_missing == (needs,)
    gap = next(g for g in result.gaps if g.component is Component.requirements)
    assert gap.expired_on == date(2025, 1, 1)
    assert gap.text == 'The mandatory certification "BLS" expired on 2025-01-01; renew it.'
    step = next(s for s in result.next_steps if s.component is Component.requirements)
    assert step.action == 'Renew the certification "BLS" (expired on 2025-01-01).'
    assert result.band.value != "ready_now"
    assert result.expiring == ()


def test_readiness_lists_the_certifications_behind_met_requirements_that_expire_soon():
    needs = Requirement(CERT, "BLS")
    soon = DAY + timedelta(days=30)
    result = score_readiness(
        facts=facts(cert("c1", date(2024, 1, 1), soon)), target=target(needs), policy=DEFAULT_POLICY
    )
    assert result.requirements_missing == ()
    assert result.expiring == (Expiring("BLS", soon),)


def test_rank_gives_the_score_band_and_missing_requirements_of_the_full_readiness():
    t = target(Requirement(SKILL, "Triage", min_level=3), Requirement(CERT, "BLS", mandatory=False))
    f = facts(skill("s", date(2025, 1, 1), 2), cert("c", date(2024, 1, 1), date(2025, 1, 1)))
    full = score_readiness(facts=f, target=t, policy=DEFAULT_POLICY)
    quick = rank(summary=summarize(facts=f, policy=DEFAULT_POLICY), target=t, policy=DEFAULT_POLICY)
    assert (quick.score, quick.band, quick.requirements_missing) == (
        full.score,
        full.band,
        full.requirements_missing,
    )


# --- comparisons --------------------------------------------------------------------------------


def position(pid: str, level: int, *requirements: Requirement) -> PositionFacts:
    return PositionFacts(pid, pid.upper(), pid, "Nursing", "individual", level, None, requirements)


def test_a_comparison_treats_an_expired_certification_as_missing_and_flags_one_expiring():
    bls, triage = Requirement(CERT, "BLS"), Requirement(SKILL, "Triage", min_level=3)
    source, dest = position("rn", 2), position("mgr", 3, bls, triage)
    expired = personal_fit(
        source=source,
        target=dest,
        salary=None,
        held_position_id="rn",
        standings={bls.key: Standing("c", 1, DAY), triage.key: Standing("s", 3)},
        as_of=DAY,
    )
    assert expired.requirements_missing == (bls,)
    assert expired.requirements_met == (triage,)
    assert "certification_expiring" not in expired.flags
    soon = personal_fit(
        source=source,
        target=dest,
        salary=None,
        held_position_id="rn",
        standings={
            bls.key: Standing("c", 1, DAY + timedelta(days=45)),
            triage.key: Standing("s", 2),
        },
        as_of=DAY,
    )
    assert soon.requirements_met == (bls,)
    assert soon.requirements_missing == (triage,)
    assert "certification_expiring" in soon.flags


def test_a_skill_asked_at_a_higher_level_than_the_source_asks_is_a_new_requirement():
    source = (Requirement(SKILL, "Triage", min_level=2), Requirement(CERT, "BLS"))
    target_asks = (Requirement(SKILL, "triage", min_level=3), Requirement(CERT, "BLS"))
    assert new_requirements(source=source, target=target_asks) == (target_asks[0],)
    assert new_requirements(source=target_asks, target=source) == ()


def test_pay_change_percent_is_against_the_salary_and_null_without_both_in_one_currency():
    band = PayBand("USD", 80_000_00, 100_000_00, 90_000_00)
    assert pay_change_percent(salary=Money(75_000_00, "USD"), band=band) == Decimal("20.00")
    assert pay_change_percent(salary=Money(100_000_00, "USD"), band=band) == Decimal("-10.00")
    assert pay_change_percent(salary=Money(70_000_00, "USD"), band=band) == Decimal("28.57")
    assert pay_change_percent(salary=None, band=band) is None
    assert pay_change_percent(salary=Money(75_000_00, "USD"), band=None) is None
    assert pay_change_percent(salary=Money(75_000_00, "EUR"), band=band) is None


def test_training_proofs_have_neither_level_nor_expiry():
    held = standings(proofs=[Proof("t", date(2024, 1, 1), TRAINING, "charting")], as_of=DAY)
    assert held == {(TRAINING, "charting"): Standing("t", 1, None)}
