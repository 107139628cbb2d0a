"""``attest results``: write a commented results template that fits the pact template."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from ._template import template_command

__all__ = ["results", "results_template"]


def results_template(now: datetime | None = None) -> str:
    """A results file for the pact template's obligations, its period the 30 days before
    ``now`` (the time of the run), so it is valid as written."""
    end = (now or datetime.now(UTC)).replace(microsecond=0)
    start = end - timedelta(days=30)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return f"""\
# What your evaluation harness measured, for 'attest issue --results'.
# Every metric the pact names should appear here, in the pact's unit; a metric the pact does
# not name is flagged (a typo?), and an obligation never measured fails the verdict.

# The evaluation suite and its version.
method = "my-eval-suite/1"
# When the measurements were taken (RFC 3339, with a time zone).
period_start = {start.strftime(stamp)}
period_end = {end.strftime(stamp)}

[[metric]]
name = "task_success_rate"   # the pact's metric name, exactly
value = 0.93
unit = "ratio"               # the pact's unit, exactly (never converted)
sample_size = 1200           # how many samples; checked against min_sample_size
# method = "automated"       # automated, model_judged, human_review or self_reported
# judge = "rubric-v2"        # for a judged metric: by what model or rubric

[[metric]]
name = "harmful_output_rate"
value = 0.0004
unit = "ratio"
sample_size = 5000

[[metric]]
name = "p95_latency"
value = 6.5
unit = "s"
"""


@click.group()
def results() -> None:
    """Results: what an evaluation measured, to judge against a pact."""


template_command(results, default="results.toml", what="results", text=results_template)
