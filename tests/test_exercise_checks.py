"""Every check passes the reference solution, fails the stub, and rejects at
least one plausible wrong answer (design.md section 3)."""

import pytest

from exercise_harness import (
    chapters,
    checks_of,
    exercise_points,
    run_exercise,
    solution_sources,
    stub_sources,
    wrong_answers,
)


# Hidden inputs differ per student: a check must hold for every draw, so the
# solution and each wrong answer are tried under several grading seeds.
SALTS = ("tests", "student-a", "student-b", "student-c", "student-d")


def _salts(count: int) -> tuple[str, ...]:
    """SALTS, then more secrets up to ``count`` in all."""
    return SALTS + tuple(f"secret-{i}" for i in range(count - len(SALTS)))


def _salts_for_wrong(wrong) -> tuple[str, ...]:
    """A wrong answer with ``secrets=N`` (issue 10, classes 1 and 3: it must be
    rejected for every student, not most) is tried under N secrets; the rest,
    under SALTS only, to keep the suite fast."""
    return _salts(wrong.get("secrets", len(SALTS)))


def _salts_for_exercise(chapter, exercise_id) -> tuple[str, ...]:
    """The most secrets any wrong answer of the exercise asks for: the solution
    must pass under all of them."""
    asked = [w.get("secrets", 0) for w in wrong_answers(chapter) if w["exercise"] == exercise_id]
    return _salts(max([len(SALTS), *asked]))


def _exercises():
    return [(ch, ex) for ch in chapters() for ex in stub_sources(ch)]


def _wrong():
    return [
        pytest.param(ch, w, id=f"{w['exercise']}:{w['why']}")
        for ch in chapters()
        for w in wrong_answers(ch)
    ]


def _failures(results):
    return {name: r.detail for name, r in results.items() if not r.passed}


@pytest.mark.parametrize("chapter", chapters())
def test_every_exercise_has_solution_and_both_kinds_of_check(chapter):
    stubs, solutions, checks = stub_sources(chapter), solution_sources(chapter), checks_of(chapter)
    assert len(stubs) >= 8, f"{chapter} has only {len(stubs)} exercises"
    assert set(solutions) == set(stubs), "solutions and exercise stubs differ"
    assert set(checks.exercise_ids()) == set(stubs), "checks and exercise stubs differ"
    for exercise_id in stubs:
        kinds = {c.visibility for c in checks.for_exercise(exercise_id)}
        assert kinds == {"visible", "hidden"}, f"{exercise_id} has only {kinds} checks"


@pytest.mark.parametrize("chapter,exercise_id", _exercises())
def test_solution_passes_every_check(chapter, exercise_id):
    for salt in _salts_for_exercise(chapter, exercise_id):
        results = run_exercise(chapter, exercise_id, solution_sources(chapter)[exercise_id], salt)
        assert results and not _failures(results), f"with seed {salt!r}"


@pytest.mark.parametrize("chapter,exercise_id", _exercises())
def test_stub_fails_every_check(chapter, exercise_id):
    results = run_exercise(chapter, exercise_id, stub_sources(chapter)[exercise_id])
    assert results and all(not r.passed for r in results.values())
    for result in results.values():
        assert "NotImplementedError" in result.detail


@pytest.mark.parametrize("chapter,wrong", _wrong())
def test_wrong_answer_is_rejected(chapter, wrong):
    for salt in _salts_for_wrong(wrong):
        results = run_exercise(chapter, wrong["exercise"], wrong["source"], salt)
        assert set(wrong["rejected_by"]) <= set(results), "names a check that does not exist"
        passed = [name for name in wrong["rejected_by"] if results[name].passed]
        assert not passed, f"with seed {salt!r} these checks accepted the wrong answer: {passed}"
        if "scores" in wrong:  # the points the grader awards it, hidden-gating included
            assert exercise_points(results) == wrong["scores"], f"with seed {salt!r}"


@pytest.mark.parametrize("chapter", chapters())
def test_every_check_rejects_some_wrong_answer(chapter):
    named = {(w["exercise"], n) for w in wrong_answers(chapter) for n in w["rejected_by"]}
    missing = [
        f"{c.exercise_id}:{c.name}" for c in checks_of(chapter).checks
        if (c.exercise_id, c.name) not in named
    ]
    assert not missing, f"checks without a wrong answer they reject: {missing}"
