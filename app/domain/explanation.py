"""Plain sentences that explain a readiness score to the person it is about (SPEC 10).

One sentence per component (its score, its weight and how many events stand behind it)
and one for the band, with the thresholds that decided it.
"""

from __future__ import annotations

from app.domain.readiness import Band, Component, Policy, Readiness

_WHAT = {
    Component.performance: "the mean rating of performance reviews in the scoring window",
    Component.leadership: "leadership activities and initiatives in the scoring window",
    Component.development: "trainings, certifications and skills in the scoring window",
    Component.requirements: "the target's mandatory requirements met",
    Component.experience: "months in the current role",
}

_BAND_WORDS = {
    Band.ready_now: "ready now",
    Band.ready_1_2_years: "ready in one to two years",
    Band.ready_3_plus_years: "ready in three years or more",
}


def _events(n: int) -> str:
    return "no event" if n == 0 else "1 event" if n == 1 else f"{n} events"


def explain(*, readiness: Readiness, policy: Policy) -> tuple[str, ...]:
    """Return the sentences explaining each component of the score and its band."""
    sentences = [
        f"{c.name.value.capitalize()} scores {c.score} of 100 (weight {c.weight}), "
        f"from {_WHAT[c.name]}, backed by {_events(len(c.evidence))}."
        for c in readiness.components
    ]
    words = _BAND_WORDS[readiness.band]
    missing = [r for r in readiness.requirements_missing if r.mandatory]
    if readiness.band is not Band.ready_now and readiness.score >= policy.ready_now and missing:
        names = ", ".join(f'{r.kind} "{r.name}"' for r in missing)
        band = (
            f"The total of {readiness.score} reaches the ready-now threshold of "
            f"{policy.ready_now}, but the band is {readiness.band.value} ({words}) because a "
            f"mandatory requirement is missing: {names}."
        )
    elif readiness.band is Band.ready_now:
        band = (
            f"The total of {readiness.score} is at least {policy.ready_now}, so the band is "
            f"{readiness.band.value} ({words})."
        )
    elif readiness.band is Band.ready_1_2_years:
        band = (
            f"The total of {readiness.score} is at least {policy.ready_1_2_years} and under "
            f"{policy.ready_now}, so the band is {readiness.band.value} ({words})."
        )
    else:
        band = (
            f"The total of {readiness.score} is under {policy.ready_1_2_years}, so the band "
            f"is {readiness.band.value} ({words})."
        )
    sentences.append(band)
    return tuple(sentences)
