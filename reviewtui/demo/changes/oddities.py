"""Pending changes whose diffs carry the awkward cases diff parsers and viewers get wrong.

A space in a file name, a missing trailing newline, CRLF line endings, a symlink: each appears in a
real queue sooner or later, and a review tool that mangles one of them misleads its reviewer.
"""

from __future__ import annotations

from reviewtui.demo.operations import Symlink, Write
from reviewtui.demo.people import ELENA, TOMAS
from reviewtui.demo.provenance import copilot, cursor
from reviewtui.demo.recipes import ChangeRecipe

DEV_SETUP_PS1 = r"""# Sets up a Windows machine for work on the shop: Python virtualenv, web dependencies, git settings.
$ErrorActionPreference = "Stop"

if (-not (Get-Command python -ErrorAction SilentlyContinue)) {
    Write-Error "Python 3.12 is required: winget install Python.Python.3.12"
}

python -m venv .venv
.\.venv\Scripts\pip install -r requirements.txt

Push-Location web
npm install
Pop-Location

# Keep LF in the repository even though editors on Windows default to CRLF.
git config core.autocrlf input
Write-Host "Done. Activate the environment with .\.venv\Scripts\Activate.ps1"
""".replace("\n", "\r\n")

WINDOWS_SETUP_DOC = """# Windows setup

1. Install Python 3.12, Node 20 (the version in `web/.nvmrc`) and Git for Windows.
2. From a PowerShell prompt in the repository root, run `scripts\\dev-setup.ps1`.
3. Run the tests with `pytest`, and the storefront's with `npm test` inside `web/`.

If PowerShell refuses to run the script, allow local scripts for your user first:
`Set-ExecutionPolicy -Scope CurrentUser RemoteSigned`.
"""

WINDOWS_DEV_SETUP = ChangeRecipe(
    "cursor/windows-dev-setup",
    "Edge cases: CRLF script, 'docs/Windows setup.md' (space in name), web/.nvmrc without final newline",
    (
        cursor(
            "Add a Windows development setup script\n\n"
            "Two new joiners develop on Windows. dev-setup.ps1 creates the virtualenv and installs the\n"
            "web dependencies; the Node version is pinned in web/.nvmrc so nvm-windows picks it up.",
            TOMAS,
            Write("scripts/dev-setup.ps1", DEV_SETUP_PS1),
            Write("docs/Windows setup.md", WINDOWS_SETUP_DOC),
            Write("web/.nvmrc", "20.17.0"),
        ),
    ),
    base="ci",
)

DEV_PROFILE = """# Local development: everything on localhost, payments against the fake gateway.
SHOP_ENV=dev
DATABASE_URL=postgresql://shop@localhost:5432/shop
PAYMENTS_GATEWAY=fake
DELIVERY_CARRIERS=parcelco,swiftpost,nextday
"""

STAGING_PROFILE = """# Staging from a laptop over the VPN; payments use the gateway's sandbox.
SHOP_ENV=staging
DATABASE_URL=postgresql://shop@shop-staging.internal:5432/shop
PAYMENTS_GATEWAY=sandbox
DELIVERY_CARRIERS=parcelco,swiftpost,nextday
"""

CONFIG_README = """# Config profiles

`active.env` is a symlink to the profile the services load. Switch profiles with

    ln -sf staging.env config/active.env

Profiles hold no secrets: credentials come from your keychain through `scripts/dev-setup`.
"""

LOCAL_DEV_CONFIG = ChangeRecipe(
    "copilot/local-dev-config",
    "Edge case: adds a symlink (config/active.env -> dev.env) next to new config profiles",
    (
        copilot(
            "Add per-environment config profiles for local development\n\n"
            "Every developer kept their own .env with slightly different settings. The profiles in\n"
            "config/ are shared, and config/active.env is a symlink to the one in use, so switching is a\n"
            "single `ln -sf`.",
            ELENA,
            Write("config/dev.env", DEV_PROFILE),
            Write("config/staging.env", STAGING_PROFILE),
            Write("config/README.md", CONFIG_README),
            Symlink("config/active.env", "dev.env"),
        ),
    ),
)

ODDITIES = (WINDOWS_DEV_SETUP, LOCAL_DEV_CONFIG)
