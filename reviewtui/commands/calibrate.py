"""`reviewtui calibrate`: fit the risk model on this repository's history and write `.reviewtui/risk-model.toml`.

Past commits are scored exactly as `queue --commits` scores them, commits that a later commit reverted are the bad
ones, and the fitted model is judged on the newest commits it never saw, next to the baselines it has to beat
(random, lines added alone, 1/size): a model that cannot beat "biggest first" should not replace the shipped weights,
and the user sees that before committing the file. Results on stdout (a table, or JSON with `--json`); progress on
stderr only when it is a terminal, so scripts and CI logs stay clean.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reviewtui.analysis import Analyzer
from reviewtui.commands.options import add_jobs
from reviewtui.errors import ReviewtuiError
from reviewtui.progress import Progress
from reviewtui.risk.calibration import (
    BASELINE_LABELS,
    BASELINES,
    DEFAULT_L2,
    Calibration,
    calibrate,
    collect,
    default_output,
    model_toml,
    write_model,
)
from reviewtui.table import Column, render_table
from reviewtui.text import inert

_ROWS = (*BASELINES, "shipped", "calibrated")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "calibrate", help="fit the risk model on this repository's reverted commits (.reviewtui/risk-model.toml)"
    )
    parser.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository (default: .)")
    parser.add_argument("--since", metavar="DATE", help="only commits made on or after DATE (YYYY-MM-DD or ISO)")
    parser.add_argument("--until", metavar="DATE", help="only commits made before DATE; a bare date includes it")
    parser.add_argument(
        "--range",
        metavar="REV_RANGE",
        default="HEAD",
        dest="rev_range",
        help="revision range to learn from (default: HEAD, the whole history)",
    )
    parser.add_argument("--limit", metavar="N", type=int, help="only the newest N non-merge commits")
    parser.add_argument(
        "--l2",
        metavar="FLOAT",
        type=float,
        default=DEFAULT_L2,
        help=f"penalty pulling weights towards the shipped ones (default {DEFAULT_L2:g})",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="where to write the model (default: <repo>/.reviewtui/risk-model.toml)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument(
        "--no-cache", action="store_true", help="analyse every commit afresh (neither read nor write the cache)"
    )
    add_jobs(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until", end_of_day=True) if args.until else None
    if since is not None and until is not None and since >= until:
        raise ReviewtuiError(f"--since {args.since} is not before --until {args.until}")
    with Progress("analysing commits") as progress:
        dataset = collect(
            Path(getattr(args, "repo", ".")),
            rev_range=args.rev_range,
            since=since,
            until=until,
            limit=getattr(args, "limit", None),
            progress=lambda done, total: progress.advance(total=total),
            analyzer=Analyzer(cache=not args.no_cache),
            jobs=args.jobs,
        )
    result = calibrate(dataset, l2=args.l2)
    output = args.output if getattr(args, "output", None) is not None else default_output(dataset.repo)
    write_model(output, model_toml(result))
    if args.json:
        json.dump(_json(result, output), sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        _print(result, output)
    return 0


def parse_date(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """ISO dates and times; no zone means UTC. A bare `--until` date means "through that day", as people read it."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReviewtuiError(f"{option} {text!r}: not a date (use YYYY-MM-DD or an ISO date and time)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end_of_day and len(text.strip()) == 10:
        value += timedelta(days=1)
    return value


def _json(result: Calibration, output: Path) -> dict[str, Any]:
    return {
        "output": str(output),
        "intercept": result.model.intercept,
        "weights": result.model.weights,
        "metrics": {name: _clean(result.metrics[name].as_dict()) for name in _ROWS},
        "training": result.training,
    }


def _clean(values: dict[str, float]) -> dict[str, float | None]:
    """JSON has no NaN: a metric that does not exist is null."""
    return {k: None if math.isnan(v) else v for k, v in values.items()}


def _print(result: Calibration, output: Path) -> None:
    t = result.training
    print(
        f"calibrated on {t['commits']} commits ({t['first_commit'][:10]} .. {t['last_commit'][:10]}), "
        f"{t['positives']} of them reverted later"
    )
    print(
        f"held out: the newest {t['test_commits']} commits (from {t['test_from'][:10]}), {t['test_positives']} "
        f"reverted; fitted for this test on the older {t['train_commits']} ({t['train_positives']} reverted)"
    )
    columns = [
        Column("METHOD"),
        *(Column(h, ">") for h in ("ROC AUC", "PR AUC", "TOP 5%", "TOP 10%", "TOP 50%", "RECALL@20% LINES")),
    ]
    rows = []
    for name in _ROWS:
        m = result.metrics[name]
        rows.append(
            [
                BASELINE_LABELS[name],
                _number(m.roc_auc),
                _number(m.pr_auc),
                *(_share(m.top[k]) for k in sorted(m.top)),
                _share(m.effort),
            ]
        )
    print(render_table(columns, rows))
    if result.fit.held:
        print(f"kept the shipped weight (too rare in this history to judge): {', '.join(result.fit.held)}")
    if not result.fit.converged:
        print("reviewtui: warning: the fit did not converge; the weights are the best found", file=sys.stderr)
    calibrated, shipped = result.metrics["calibrated"].roc_auc, result.metrics["shipped"].roc_auc
    if calibrated < shipped:
        print(f"reviewtui: warning: on the held-out commits the calibrated model ranks worse than the shipped weights "
              f"(ROC AUC {calibrated:.3f} < {shipped:.3f}); consider not committing it", file=sys.stderr)
    print(f"wrote {inert(str(output))}; commit it so that `reviewtui queue` scores with it")


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _share(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"
