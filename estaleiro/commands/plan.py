"""`estaleiro plan STACK [--base REF]`: the offline plan, or what a change would do to the cloud."""

from __future__ import annotations

from pathlib import Path

from estaleiro.output import emit
from estaleiro.plan.diff import diff
from estaleiro.plan.render import Format, render_diff, render_plan
from estaleiro.plan.run import plan_trees, plan_with_base


def plan(root: Path, stack: str, base: str | None, fmt: Format, out: Path | None) -> int:
    """The worker checks the stack as it loads it; this process imports no models, so the worker starts at once."""
    if base is None:
        text = render_plan(plan_trees([(root, stack)])[0], fmt)
    else:
        before, after = plan_with_base(root, stack, base)
        text = render_diff(diff(before, after, base), fmt)
    emit(text, out)
    return 0
