"""Supply-chain rules (40-supply.toml): new, look-alike, off-registry and unpinned dependencies, package indexes,
install scripts, remote scripts and imports of modules that exist nowhere. Every case runs through a real git repo."""

from __future__ import annotations

from pathlib import Path

from reviewtui.rules.checks.dependencies import edit_distance, lookalike, parse_text
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.rule import Severity
from tests.rules.ruletest import rule_hits, scan_files

Where = tuple[str, int | None, Side | None, tuple[int, int] | None]


def where(findings: list[Finding]) -> list[Where]:
    return [(f.path or "", f.line, f.side, f.span) for f in findings]


def of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


NEW = Side.NEW

REQUIREMENTS = "requests==2.32.3\npytest==8.3.2\npydantic==2.8.2\n"
PACKAGE_JSON = """{
  "name": "web",
  "version": "1.0.0",
  "scripts": {
    "build": "tsc -p ."
  },
  "dependencies": {
    "react": "18.3.1"
  },
  "devDependencies": {
    "eslint": "9.11.1",
    "vitest": "2.1.1"
  }
}
"""
PYPROJECT = """[project]
name = "svc"
version = "1.0"
dependencies = [
    "textual>=8.0",
]

[tool.ruff]
line-length = 120
"""
GO_MOD = "module example.com/shop\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n)\n"
CARGO = '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1.0.200"\n'
GEMFILE = 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\n'
POM = """<project>
  <dependencies>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>2.0.13</version>
    </dependency>
  </dependencies>
</project>
"""
MANIFESTS = {
    "requirements.txt": REQUIREMENTS,
    "web/package.json": PACKAGE_JSON,
    "svc/pyproject.toml": PYPROJECT,
    "go.mod": GO_MOD,
    "crates/x/Cargo.toml": CARGO,
    "Gemfile": GEMFILE,
    "java/pom.xml": POM,
}


def test_new_dependencies_in_every_manifest_but_not_bumps_or_known_names(tmp_path: Path) -> None:
    after = {
        # bump (near-miss) plus one new name
        "requirements.txt": "requests==2.32.4\npytest==8.3.5\npydantic==2.8.2\nhttpx==0.27.0\n",
        "web/package.json": PACKAGE_JSON.replace('"eslint": "9.11.1"', '"eslint": "9.14.0"').replace(
            '"vitest": "2.1.1"\n', '"vitest": "2.1.1",\n    "left-pad": "1.3.0"\n'
        ),
        "svc/pyproject.toml": PYPROJECT.replace('"textual>=8.0",\n', '"textual>=8.1",\n    "rich>=13.7",\n'),
        "go.mod": GO_MOD.replace("v0.9.1\n", "v0.9.1\n\tgolang.org/x/sync v0.7.0\n"),
        "crates/x/Cargo.toml": CARGO + 'tokio = { version = "1.38", features = ["full"] }\n',
        "Gemfile": GEMFILE + 'gem "sidekiq", "~> 7.2"\n',
        "java/pom.xml": POM.replace(
            "  </dependencies>",
            "    <dependency>\n      <groupId>com.google.guava</groupId>\n      <artifactId>guava</artifactId>\n"
            "    </dependency>\n  </dependencies>",
        ),
        # a new service that declares a package the repository already uses: not new (near-miss)
        "services/api/requirements.txt": "requests==2.32.3\n",
    }
    findings = rule_hits(tmp_path, "new-dependency", MANIFESTS, after)
    assert where(findings) == [
        ("Gemfile", 3, NEW, (5, 12)),
        ("crates/x/Cargo.toml", 7, NEW, (0, 5)),
        ("go.mod", 7, NEW, (1, 18)),
        ("java/pom.xml", 10, NEW, (18, 23)),
        ("requirements.txt", 4, NEW, (0, 5)),
        ("svc/pyproject.toml", 6, NEW, (5, 9)),
        ("web/package.json", 13, NEW, (5, 13)),
    ]
    assert all(f.severity is Severity.MEDIUM for f in findings)
    assert findings[4].message.endswith("(httpx (pypi) is new to this repository)")


ALLOW_PACK = """
[[rule]]
id = "team-new-dependency"
title = "New dependency (team allow-list)"
severity = "medium"
scope = "added"
check = "new-dependency"
paths = ["requirements.txt"]
message = "New dependency"
[rule.options]
allow = ["HTTPX"]
"""


def test_allow_list_names_never_fire(tmp_path: Path) -> None:
    findings = rule_hits(
        tmp_path,
        "team-new-dependency",
        {"requirements.txt": REQUIREMENTS, ".reviewtui/rules/deps.toml": ALLOW_PACK},
        {"requirements.txt": REQUIREMENTS + "httpx==0.27.0\nhttpcore==1.0.5\n"},
    )
    assert where(findings) == [("requirements.txt", 5, NEW, (0, 8))]


def test_lookalike_names_of_popular_packages(tmp_path: Path) -> None:
    after = {
        "requirements.txt": REQUIREMENTS + "reqeusts==2.32.3\nscapy==2.5.0\npython-dateutils==2.9.0\n",
        "web/package.json": PACKAGE_JSON.replace(
            '"react": "18.3.1"\n', '"react": "18.3.1",\n    "loadsh": "4.17.21",\n    "preact": "10.24.0"\n'
        ),
    }
    findings = rule_hits(tmp_path, "dependency-name-lookalike", MANIFESTS, after)
    # scapy (one edit from scipy) and preact (one from react) are popular in their own right: near-misses.
    assert where(findings) == [
        ("requirements.txt", 4, NEW, (0, 8)),
        ("requirements.txt", 6, NEW, (0, 16)),
        ("web/package.json", 9, NEW, (5, 11)),
    ]
    assert findings[0].message.endswith("(reqeusts is 1 edit from the popular package requests)")
    assert "lodash" in findings[2].message and findings[2].severity is Severity.HIGH


def test_edit_distance_and_thresholds() -> None:
    assert edit_distance("loadsh", "lodash", 2) == 1  # a swap of neighbours is one edit
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # stops early past the limit
    assert lookalike("pypi", "flask", 2) is None  # popular itself
    assert lookalike("pypi", "flaks", 2) == ("flask", 1)
    assert lookalike("npm", "raect", 2) == ("react", 1)
    assert lookalike("pypi", "blaze", 2) is None  # five letters: one edit only, and black/flask are two away


def test_dependencies_from_urls_vcs_and_forks(tmp_path: Path) -> None:
    after = {
        "requirements.txt": REQUIREMENTS
        + "git+https://deploy:s3cr3tTOKEN@github.com/org/lib.git@main#egg=lib\n-e .\n./vendored/pkg\n",
        "web/package.json": PACKAGE_JSON.replace(
            '"react": "18.3.1"\n',
            '"react": "18.3.1",\n    "mylib": "github:org/mylib#main",\n    "shared": "workspace:*"\n',
        ),
        "go.mod": GO_MOD + "\nreplace github.com/pkg/errors => github.com/someone/errors v0.9.2\n"
        "replace example.com/shop/lib => ../lib\n",
        "crates/x/Cargo.toml": CARGO + 'patched = { git = "https://github.com/org/patched", branch = "dev" }\n',
    }
    findings = rule_hits(tmp_path, "dependency-from-url-or-vcs", MANIFESTS, after)
    assert where(findings) == [
        ("crates/x/Cargo.toml", 7, NEW, (0, 7)),
        ("go.mod", 9, NEW, (8, 29)),
        ("requirements.txt", 4, NEW, (0, 3)),
        ("web/package.json", 9, NEW, (5, 10)),
    ]
    assert "s3cr3tTOKEN" not in findings[2].message and "//***@github.com" in findings[2].message
    assert "replaced by github.com/someone/errors" in findings[1].message


def test_package_index_changes(tmp_path: Path) -> None:
    after = {
        "requirements.txt": "--extra-index-url https://pypi.corp.example/simple\n--index-url https://pypi.org/simple\n"
        + REQUIREMENTS,
        ".npmrc": "registry=https://npm.corp.example/\n",
        "Dockerfile": "FROM python:3.12\nRUN pip install -i https://mirror.example/simple flask\n",
        "scripts/fix.sh": "sed -i s/a/b/ config.txt\n",
        "docs/setup.md": "pip install --extra-index-url https://pypi.corp.example/simple x\n",
    }
    findings = rule_hits(tmp_path, "package-index-changed", {"requirements.txt": REQUIREMENTS}, after)
    assert where(findings) == [
        (".npmrc", 1, NEW, (0, 9)),
        ("Dockerfile", 2, NEW, (16, 27)),
        ("requirements.txt", 1, NEW, (0, 17)),
    ]


def test_any_version_and_unpinned_entries(tmp_path: Path) -> None:
    after = {
        "requirements.txt": REQUIREMENTS + "flask>=3.0\ntqdm\nrich==13.7.1\n",
        "requirements-dev.txt": "black>=24\nruff>=0.6\nmypy>=1.10\n",
        "web/package.json": PACKAGE_JSON.replace(
            '"react": "18.3.1"\n',
            '"react": "18.3.1",\n    "left-pad": "latest",\n    "chalk": "*",\n    "zod": "^3.23.0",\n'
            '    "clsx": "2.1.1"\n',
        ),
        "crates/x/Cargo.toml": CARGO + 'anyhow = "*"\nthiserror = "1.0.61"\n',
    }
    before = {**MANIFESTS, "requirements-dev.txt": "black>=24\nruff>=0.6\n"}
    findings = scan_files(tmp_path, before, after)
    assert where(of(findings, "dependency-any-version")) == [
        ("crates/x/Cargo.toml", 7, NEW, (0, 6)),
        ("web/package.json", 9, NEW, (5, 13)),
        ("web/package.json", 10, NEW, (5, 10)),
    ]
    # requirements-dev.txt uses ranges throughout: adding one more range there is not reported (near-miss).
    assert where(of(findings, "dependency-unpinned-in-pinned-manifest")) == [
        ("requirements.txt", 4, NEW, (0, 5)),
        ("requirements.txt", 5, NEW, (0, 4)),
        ("web/package.json", 11, NEW, (5, 8)),
    ]


def test_npm_install_scripts(tmp_path: Path) -> None:
    after = {
        "web/package.json": PACKAGE_JSON.replace(
            '"build": "tsc -p ."\n',
            '"build": "tsc -p .",\n    "postbuild": "node scripts/size.js",\n    "postinstall": "node fetch.js"\n',
        )
    }
    findings = rule_hits(tmp_path, "npm-install-script-added", MANIFESTS, after)
    assert where(findings) == [("web/package.json", 7, NEW, (0, 18))]


def test_remote_scripts_piped_to_a_shell(tmp_path: Path) -> None:
    after = {
        "Dockerfile": "FROM debian:12\nRUN curl -fsSL https://get.example.dev/install.sh | sh\n"
        "RUN curl -fsSLo tool.tgz https://example.dev/tool.tgz && sha256sum -c tool.sha256\n",
        "scripts/bootstrap.sh": 'bash -c "$(curl -fsSL https://example.dev/x.sh)"\n',
        "docs/install.md": "curl -fsSL https://get.example.dev | sh\n",
    }
    findings = rule_hits(tmp_path, "remote-script-piped-to-shell", {}, after)
    assert where(findings) == [("Dockerfile", 2, NEW, (4, 54)), ("scripts/bootstrap.sh", 1, NEW, (0, 15))]


IMPORT_BASE = {
    "requirements.txt": "requests==2.32.3\nPyYAML==6.0.2\nbeautifulsoup4==4.12.3\n",
    "services/app/util.py": "X = 1\n",
    "web/package.json": PACKAGE_JSON.replace(
        '"react": "18.3.1"\n', '"react": "18.3.1",\n    "@types/lodash": "4.17.7"\n'
    ),
    "web/tsconfig.json": '{"compilerOptions": {"paths": {"@app/*": ["src/*"]}}}\n',
    "web/src/local.ts": "export const x = 1;\n",
    "go.mod": GO_MOD,
    ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: pip install pytest-benchmark\n",
}

APP_PY = '''"""Example:

    import fake_in_docstring
"""
import os
import requests, hallucinated_sdk
import yaml
from bs4 import BeautifulSoup
import util
from pytest_benchmark import plugin
from fastjsonx import loads
from . import sibling
try:
    import ujson
except ImportError:
    ujson = None
'''

APP_TS = """import React from 'react';
import fs from 'node:fs';
import path from "path";
import { x } from './local';
import { y } from '@app/thing';
import get from 'lodash/get';
import magic from 'react-magic-hooks';
// import nope from 'commented-out';
const pad = require('left-pad-pro');
"""

MAIN_GO = """package main

import (
\t"fmt"
\t"github.com/pkg/errors"
\t"example.com/shop/internal/db"
\t"github.com/made/up"
)
"""


def test_imports_of_modules_that_exist_nowhere(tmp_path: Path) -> None:
    after = {"services/app/app.py": APP_PY, "web/src/app.ts": APP_TS, "cmd/main.go": MAIN_GO}
    findings = rule_hits(tmp_path, "import-of-unknown-module", IMPORT_BASE, after)
    assert where(findings) == [
        ("cmd/main.go", 7, NEW, (2, 20)),
        ("services/app/app.py", 6, NEW, (17, 33)),
        ("services/app/app.py", 11, NEW, (5, 14)),
        ("web/src/app.ts", 7, NEW, (19, 36)),
        ("web/src/app.ts", 9, NEW, (21, 33)),
    ]
    assert findings[1].message.endswith(
        "(hallucinated_sdk is not in the standard library, the repository or any dependency manifest)"
    )
    assert all(f.severity is Severity.HIGH for f in findings)


def test_pyproject_and_package_json_parsers_anchor_entries() -> None:
    deps = parse_text(
        "pyproject", '[project]\ndependencies = ["a>=1", \'b[x]==2\']\n[dependency-groups]\ndev = ["c"]\n'
    )
    assert [(d.name, d.spec, d.line, d.column) for d in deps] == [
        ("a", ">=1", 2, 17),
        ("b", "==2", 2, 25),
        ("c", "", 4, 8),
    ]
    inline = parse_text("package.json", '{"dependencies": {"a": "1.0.0", "b": "github:o/b"}, "scripts": {"c": "x"}}')
    assert [(d.name, d.line, d.column, d.source) for d in inline] == [("a", 1, 19, None), ("b", 1, 33, "github:o/b")]
