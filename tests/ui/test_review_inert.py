"""Hostile text in file names, diff lines, commit messages and search queries reaches the terminal as inert text in
every mode of the review screen: unified, side by side, wrapped, truncated, in the tree and in every panel."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App

from reviewtui.analysis import Analyzer
from tests.rules.ruletest import make_change
from tests.ui.review_host import ReviewHost, opened

OSC8 = "\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07"
LINE = f"evil \x1b[2J\x1b]52;c;cHduZWQ=\x07 {OSC8} [bold red]x[/] \u202eesrever"
NAME = "evil \x1b[2J\x1b]52;c;cHduZWQ=\x07 [bold red]x[/] \u202eesrever"  # no slash: it is a file name
RAW = ("\x1b[2J", "\x1b]52", "\x1b]8;", "\x07", "\u202e")


def terminal_output(app: App[Any]) -> str:
    """What the app would write to a terminal for a full repaint of the current screen, styles included."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=True)


async def test_hostile_content_stays_inert_in_every_mode_and_panel(tmp_path: Path) -> None:
    before = {"src/app.py": "a = 1\nb = 2\n"}
    after = {
        "src/app.py": f"a = 1\nb = '{LINE}'\nc = '{LINE * 6}'\n",
        f"src/{NAME}.py": f"{LINE}\n",
    }
    change, _ = make_change(tmp_path, before, after, message=f"{NAME}\n\n{LINE}\n\nSigned-off-by: {NAME}", systems=None)
    analysis = Analyzer(history=False).analyze(change)
    app = ReviewHost(analysis)
    outputs: list[str] = []
    async with app.run_test(size=(150, 45)) as pilot:
        await opened(pilot)
        outputs.append(terminal_output(app))
        for keys in (["s"], ["w"], ["s"], ["w", "L"], ["d"], ["p"], ["r"], ["r", "slash", *"evil"]):
            await pilot.press(*keys)
            await pilot.pause()
            outputs.append(terminal_output(app))
    for output in outputs:
        for raw in RAW:
            assert raw not in output, (repr(raw), outputs.index(output))
    everything = "".join(outputs)
    assert "\\e[2J" in everything and "<U+202E>esrever" in everything and "\\e]8;;http" in everything
    assert "[bold red]x[/]" in everything  # shown literally, never interpreted as markup
    assert "…" in outputs[0]  # the long hostile line was truncated with the marker
