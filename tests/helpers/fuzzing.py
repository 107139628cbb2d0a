"""Fuzzing a running server from its own OpenAPI document with schemathesis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest


def fuzz_schema(
    url: str, *, modes: Sequence[Any] | None = None, max_examples: int = 40
) -> tuple[list[str], dict[str, Any]]:
    """Fuzz every operation of ``url``'s /openapi.json (bounded: ``max_examples`` cases each,
    per generation mode; ``None``: schemathesis's default mode only), checking that no answer
    is a 5xx and every answer is one the document describes.

    Returns the findings (one line each; a generation failure counts as one) and the
    operations by path, for callers that send known cases through the same checks.
    """
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # Schema-valid data need not be acceptable input (a bundle that does not parse, a
    # credential the data model refuses): that is the server's to say, with a 400.
    excluded = [positive_data_acceptance]
    failures: list[str] = []

    def fuzz(operation: Any, mode: Any) -> None:
        strategy = (
            operation.as_strategy() if mode is None else operation.as_strategy(generation_mode=mode)
        )

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            try:
                case.call_and_validate(base_url=url, timeout=10, excluded_checks=excluded)
            except Exception as exc:  # collect every operation's findings, then report
                failures.append(f"{operation.label} ({mode}): {str(exc)[:600]}")
                raise

        before = len(failures)
        try:
            run()
        except Unsatisfiable:  # a GET without parameters has nothing to make invalid
            if mode is schemathesis.GenerationMode.POSITIVE or operation.body:
                failures.append(f"{operation.label} ({mode}): no case could be generated")
        except Exception as exc:
            if len(failures) == before:  # not a finding of the checks: generation failed
                failures.append(f"{operation.label} ({mode}): {exc!r:.600}")

    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    operations: dict[str, Any] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations[operation.path] = operation
        for mode in modes if modes is not None else [None]:
            fuzz(operation, mode)
    return failures, operations


def excluded_checks() -> list[Any]:
    """The checks :func:`fuzz_schema` leaves out, for known cases sent through the same checks."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    return [positive_data_acceptance]
