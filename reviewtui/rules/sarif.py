"""SARIF 2.1.0 in and out: other scanners' results as reviewtui findings, and reviewtui findings for code scanning.

Teams already run Semgrep, CodeQL, Bandit...; importing their SARIF puts those results under the diff lines a
reviewer is approving, next to reviewtui's own findings, and exporting ours lets GitHub code scanning (or any SARIF
viewer) show what reviewtui found. Everything here follows the OASIS SARIF 2.1.0 specification (section numbers
below); where the specification leaves a choice, the choice and its reason are written down here.

Import (`load_sarif`, then `findings_for_change`)
    * A file that cannot be used raises `SarifError` naming the file and, for content problems, the JSON place
      (`runs[0].results[3].message`): unreadable, not UTF-8, not JSON, `version` other than "2.1.0", `runs` missing
      or null (null means the producing tool failed, §3.13.4: importing it as "no results" would hide that the scan
      never happened), a run without `tool.driver.name`, or a property of the wrong JSON type. Values that are merely
      out of range are tolerated the way viewers tolerate them: a `startLine` below 1 is a file-level result, an
      unknown `level` is "warning" (the specification's default).
    * Rules are looked up as §3.52.3/§3.54.2 say: `rule.toolComponent` (index, then guid, then name) picks the driver
      or one of `tool.extensions` (CodeQL puts its query packs there); `rule.index` / `ruleIndex` picks the rule; if
      the index is missing or names a rule with another id, `ruleId` is searched in that component and then in every
      component (hierarchical ids such as "CA5350/md5" match rule "CA5350"). The finding's rule is the result's own
      `ruleId` (hierarchical suffix kept: it is more specific).
    * `kind` (§3.27.9, default "fail"): "pass", "notApplicable" and "informational" state that there is no problem
      and are skipped (counted in `SarifRun.skipped`); "review" (a human has to decide) and "open" (the tool could not
      decide) are imported at severity info, because the specification makes their level "none"; an unknown kind is
      treated like "review" so nothing a tool reported silently disappears.
    * Suppressions (§3.27.23, §3.35.3): a result is suppressed, and skipped (counted in `SarifRun.suppressed`), when
      `suppressions` is a non-empty array none of whose entries has status "underReview" or "rejected"; an entry
      without status (Semgrep's `nosemgrep`, CodeQL's alert-suppression comments) is an accepted suppression. This is
      the rule the SARIF authors give viewers (sarif-tutorials, "Determining suppression status"): a suppression still
      under discussion or turned down does not hide the result.
    * Level (§3.27.10): the result's `level`; else the invocation's `ruleConfigurationOverrides` for the rule; else the
      rule's `defaultConfiguration.level`; else "warning". Non-"fail" kinds are level "none".
    * Severity, first that applies: the result property "reviewtui/severity" (written by our own export, so a round
      trip keeps the exact severity); for "fail" results a numeric `security-severity` property on the result, then on
      the rule (CodeQL / GitHub scale: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, 0 info); else the level:
      error high, warning medium, note low, none info.
    * Message (§3.11.7): `message.text`; else `message.id` looked up in the rule's `messageStrings`, then in the
      component's `globalMessageStrings`; else the rule's short description. Placeholders `{0}` and the escapes
      `{{` / `}}` (§3.11.5) are processed when the message carries an `arguments` array or came from a message string;
      a bare `text` without `arguments` is taken literally, because most tools write code such as `{...}` into it
      without escaping. Embedded links (§3.11.6) whose destination is a location id (`[value](1)`) are rendered the
      way the specification suggests for consoles: "value (path:line)" using the result's `locations` /
      `relatedLocations`; links to URIs and unresolved ids are left exactly as written.
    * Location: `locations[0].physicalLocation`. The artifact URI comes from `artifactLocation.uri` (or
      `run.artifacts[index].location`), percent-decoded, with `uriBaseId` resolved through `run.originalUriBaseIds`
      (chains allowed). A `file:` URI (or a base resolving to one) is made relative to `repo_root` when it lies under
      it. Otherwise a relative URI is taken relative to the repository root: with no `uriBaseId`, with a base the log
      does not define (Semgrep writes "%SRCROOT%" without defining it, GitHub treats such URIs as repository-relative),
      or with a base defined on the machine that ran the scan (CodeQL in CI: `%SRCROOT%` =
      file:///home/runner/work/...), where the part below the outermost base is the repository path. URIs that climb
      out of the repository, absolute paths outside `repo_root`, and non-file schemes cannot be mapped.
    * Region (§3.30): `startLine` (missing: a file-level finding); `startColumn`/`endColumn` are 1-based with the end
      exclusive, and become the 0-based [start, end) `span`; a missing `endColumn` (or a region running over several
      lines) ends the span at the end of the first line when its text is in the diff, otherwise there is no span.
      Columns are converted from UTF-16 code units (`run.columnKind`, "utf16CodeUnits" when absent, as the SARIF SDK
      assumes) to code points using the diff line's text.
    * Filter modes (`mode`), as reviewdog defines them: "added" keeps results on an added line of the change;
      "diff_context" keeps results on any line a hunk shows on the new side (added or context); "file" keeps every
      result in a file the change touches (line anywhere, or file-level); "nofilter" keeps every result, including
      files the change does not touch (hunk None), results without a location and results whose location cannot be
      mapped (both as change-level findings; the latter name the location in the message). A result our exporter
      marked "reviewtui/side": "old" describes a removed line and is matched against the old side (a removed line
      counts as "added" to the change); a result marked "reviewtui/change" for another change is not this change's.

Export (`to_sarif`)
    * One log; run 0 is reviewtui's (driver "reviewtui", `semanticVersion`, every rule given plus any rule a finding
      names that is not among them). Findings imported from other tools (source "sarif:<tool>") go into one further
      run per tool, with that tool as driver and `run.conversion.tool` naming reviewtui (§3.22): rule ids stay in
      their tool's namespace (a Semgrep id cannot collide with a reviewtui id), and code scanning keeps one category
      per tool. Imported rule descriptors carry what the findings know (id, title, help URI).
    * Results: `ruleId` + `ruleIndex`, `kind` "fail", `level` (critical/high error, medium warning, low/info note),
      message (braces doubled per §3.11.5, with an empty `arguments` array so readers apply the escapes), one location
      (`uri` percent-encoded and relative, `uriBaseId` "SRCROOT", defined in `originalUriBaseIds` when `repo_root` is
      given; region `startLine`, and `startColumn`/`endColumn` = span + 1), `partialFingerprints`
      "reviewtuiFinding/v1" (a hash of rule, path, side and the line's text when `changes` provides it, else the
      message, plus an occurrence count so identical findings stay distinct), and properties "reviewtui/severity",
      "reviewtui/change", "reviewtui/side", "reviewtui/source". `columnKind` is "unicodeCodePoints": spans are Python
      string indices. Findings on removed lines keep their old-file line number (marked "reviewtui/side": "old").
      Change-level findings (no path) have no location; GitHub code scanning does not display such results.
"""

from __future__ import annotations

import hashlib
import json
import math
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change, DiffLine, LineKind
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.rule import Rule, Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FILTER_MODES = ("added", "diff_context", "file", "nofilter")
TOOL_NAME = "reviewtui"
SRCROOT = "SRCROOT"
FINGERPRINT_KEY = "reviewtuiFinding/v1"

PROP_SEVERITY = "reviewtui/severity"
PROP_CHANGE = "reviewtui/change"
PROP_SIDE = "reviewtui/side"
PROP_SOURCE = "reviewtui/source"

_LEVELS = ("error", "warning", "note", "none")
_LEVEL_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW, "none": Severity.INFO}
_SEVERITY_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_NO_PROBLEM_KINDS = frozenset({"pass", "notApplicable", "informational"})
_UNDECIDED_SUPPRESSION = frozenset({"underReview", "rejected"})
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")
_LINK = re.compile(r"\[((?:[^\\\[\]]|\\[\\\[\]])*)\]\((\d+)\)")
_LINK_ESCAPE = re.compile(r"\\([\\\[\]])")
_DRIVE = re.compile(r"^/?([A-Za-z]:/)")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


class SarifError(ReviewtuiError):
    """A SARIF file cannot be used; the message names the file and, for content problems, the place in it."""


# ---------------------------------------------------------------------------------------------------------------
# What a loaded log holds: results resolved as far as they can be without a change or a repository.


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    """Where a result points, before it is mapped onto a repository (which only `findings_for_change` knows)."""

    uri: str
    """As written in the log (with its base id, if any), for messages."""
    absolute: str | None
    """A filesystem path, when the URI (after resolving base ids) is a `file:` URI or an absolute path."""
    relative: str | None
    """The repository-relative reading: the path below the outermost base id, or the URI itself when relative."""


@dataclass(frozen=True, slots=True)
class SarifLocation:
    artifact: ArtifactRef | None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, slots=True)
class SarifResult:
    rule: str
    kind: str
    level: str
    severity: Severity
    message: str
    """Placeholders filled; embedded links to locations still in `[text](id)` form (rendered per repository)."""
    title: str
    location: SarifLocation | None
    related: tuple[tuple[int, SarifLocation], ...] = ()
    """Locations by id, for embedded links in the message."""
    docs: str | None = None
    fix: str | None = None
    side: Side = Side.NEW
    change: str | None = None
    """The change our own export attributed the result to ("reviewtui/change"), if any."""


@dataclass(frozen=True, slots=True)
class SarifRun:
    tool: str
    version: str | None
    column_kind: str
    results: tuple[SarifResult, ...]
    suppressed: int = 0
    """Results skipped because a suppression is in force."""
    skipped: int = 0
    """Results skipped because their kind says there is no problem (pass, notApplicable, informational)."""


@dataclass(frozen=True, slots=True)
class SarifLog:
    path: Path
    runs: tuple[SarifRun, ...]

    @property
    def result_count(self) -> int:
        return sum(len(run.results) for run in self.runs)


# ---------------------------------------------------------------------------------------------------------------
# Reading JSON with the place of every value, so each complaint can say where it is.


class _Node:
    __slots__ = ("file", "value", "where")

    def __init__(self, value: object, where: str, file: str) -> None:
        self.value = value
        self.where = where
        self.file = file

    def error(self, problem: str) -> SarifError:
        place = f" at {self.where}" if self.where else ""
        return SarifError(f"{self.file}: invalid SARIF{place}: {problem}")

    def members(self) -> dict[str, object]:
        if not isinstance(self.value, dict):
            raise self.error(f"expected a JSON object, found {_json_kind(self.value)}")
        return self.value

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def child(self, key: str) -> _Node | None:
        """The member as an object node, or None when absent or null."""
        value = self.members().get(key)
        if value is None:
            return None
        node = _Node(value, self._at(key), self.file)
        node.members()
        return node

    def array(self, key: str) -> list[_Node] | None:
        """The member's elements as object nodes; None when absent or null."""
        value = self.members().get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise _Node(value, self._at(key), self.file).error(f"expected an array, found {_json_kind(value)}")
        nodes = [_Node(item, f"{self._at(key)}[{i}]", self.file) for i, item in enumerate(value)]
        for node in nodes:
            node.members()
        return nodes

    def string(self, key: str) -> str | None:
        value = self.members().get(key)
        if value is None or isinstance(value, str):
            return value
        raise _Node(value, self._at(key), self.file).error(f"expected a string, found {_json_kind(value)}")

    def integer(self, key: str) -> int | None:
        value = self.members().get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise _Node(value, self._at(key), self.file).error(f"expected an integer, found {_json_kind(value)}")

    def strings(self, key: str) -> list[str] | None:
        value = self.members().get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise _Node(value, self._at(key), self.file).error(f"expected an array, found {_json_kind(value)}")
        return [item if isinstance(item, str) else json.dumps(item) for item in value]

    def properties(self) -> dict[str, object]:
        bag = self.child("properties")
        return {} if bag is None else bag.members()


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return "null"


# ---------------------------------------------------------------------------------------------------------------
# Import: the file.


def load_sarif(path: Path) -> SarifLog:
    """Read and resolve a SARIF 2.1.0 log; raises SarifError (never anything else) when the file cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SarifError(f"{path}: cannot read SARIF file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SarifError(f"{path}: SARIF file is not UTF-8 (invalid byte at offset {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SarifError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise SarifError(f"{path}: not usable JSON (nested too deeply)") from None
    return SarifLog(path, _parse_log(_Node(data, "", str(path))))


def _parse_log(root: _Node) -> tuple[SarifRun, ...]:
    if not isinstance(root.value, dict):
        raise SarifError(f"{root.file}: not a SARIF log (expected a JSON object, found {_json_kind(root.value)})")
    members = root.members()
    version = members.get("version")
    if version is None:
        raise SarifError(f"{root.file}: not a SARIF log (no 'version'; reviewtui reads SARIF {SARIF_VERSION})")
    if version != SARIF_VERSION:
        raise SarifError(f"{root.file}: unsupported SARIF version {version!r} (reviewtui reads SARIF {SARIF_VERSION})")
    if "runs" not in members:
        raise SarifError(f"{root.file}: invalid SARIF: no 'runs'")
    if members["runs"] is None:
        raise SarifError(f"{root.file}: 'runs' is null: the tool that wrote this log failed before producing results")
    return tuple(_RunReader(node).read() for node in root.array("runs") or [])


# ---------------------------------------------------------------------------------------------------------------
# Import: one run.


@dataclass(frozen=True, slots=True)
class _Component:
    node: _Node
    name: str | None
    guid: str | None
    rules: tuple[_Node, ...]
    by_id: Mapping[str, int]


class _RunReader:
    """Resolves everything in a run that does not depend on the change: rules, levels, messages, URIs."""

    def __init__(self, run: _Node) -> None:
        tool = run.child("tool")
        if tool is None:
            raise run.error("run has no 'tool'")
        driver = tool.child("driver")
        if driver is None:
            raise tool.error("tool has no 'driver'")
        name = driver.string("name")
        if not name:
            raise driver.error("tool driver has no 'name'")
        self.run = run
        self.tool = name
        self.version = driver.string("semanticVersion") or driver.string("version")
        self.components = [_component(driver)] + [_component(e) for e in tool.array("extensions") or []]
        self.bases = run.child("originalUriBaseIds")
        self.artifacts = run.array("artifacts") or []
        self.invocations = run.array("invocations") or []

    def read(self) -> SarifRun:
        results: list[SarifResult] = []
        suppressed = skipped = 0
        for node in self.run.array("results") or []:
            kind = node.string("kind") or "fail"
            if kind in _NO_PROBLEM_KINDS:
                skipped += 1
            elif _is_suppressed(node):
                suppressed += 1
            else:
                results.append(self._result(node, kind))
        column_kind = self.run.string("columnKind") or "utf16CodeUnits"
        return SarifRun(self.tool, self.version, column_kind, tuple(results), suppressed, skipped)

    def _result(self, node: _Node, kind: str) -> SarifResult:
        found = self._descriptor(node)
        descriptor = None if found is None else self.components[found[0]].rules[found[1]]
        rule_props = {} if descriptor is None else descriptor.properties()
        result_props = node.properties()
        rule_id = _rule_id(node) or (descriptor.string("id") if descriptor else None) or "unknown-rule"
        level = self._level(node, kind, found)
        title = _description(descriptor) or rule_id
        locations = node.array("locations") or []
        related = [*locations, *(node.array("relatedLocations") or [])]
        side = Side.OLD if result_props.get(PROP_SIDE) == Side.OLD.value else Side.NEW
        change = result_props.get(PROP_CHANGE)
        return SarifResult(
            rule=rule_id,
            kind=kind,
            level=level,
            severity=_severity(kind, level, result_props, rule_props),
            message=self._message(node, found) or title,
            title=title,
            location=self._location(locations[0]) if locations else None,
            related=tuple((i, self._location(n)) for n in related if (i := n.integer("id")) is not None and i >= 0),
            docs=descriptor.string("helpUri") if descriptor else None,
            fix=_our_fix(descriptor, rule_props),
            side=side,
            change=change if isinstance(change, str) else None,
        )

    # Rules -----------------------------------------------------------------------------------------------------

    def _component_index(self, ref: _Node | None) -> int:
        """§3.54.2: no reference (or no index/guid) means the driver; index counts in `tool.extensions`."""
        if ref is None:
            return 0
        index = ref.integer("index")
        if index is not None and 0 <= index < len(self.components) - 1:
            return index + 1
        for key in ("guid", "name"):
            wanted = ref.string(key)
            if wanted is not None:
                for i, component in enumerate(self.components):
                    if (component.guid if key == "guid" else component.name) == wanted:
                        return i
        return 0

    def _lookup(self, ref: _Node | None, rule_id: str | None, index: int | None) -> tuple[int, int] | None:
        """(component, rule) positions of the descriptor a reference names, per §3.52.3 with a lenient id fallback."""
        start = self._component_index(None if ref is None else ref.child("toolComponent"))
        rules = self.components[start].rules
        if index is not None and 0 <= index < len(rules):
            candidate = rules[index].string("id")
            if rule_id is None or candidate is None or _same_rule(rule_id, candidate):
                return start, index
        if rule_id is None:
            return None
        order = [start, *(i for i in range(len(self.components)) if i != start)]
        for wanted in _id_prefixes(rule_id):
            for i in order:
                position = self.components[i].by_id.get(wanted)
                if position is not None:
                    return i, position
        return None

    def _descriptor(self, result: _Node) -> tuple[int, int] | None:
        ref = result.child("rule")
        index = ref.integer("index") if ref is not None else None
        return self._lookup(ref, _rule_id(result), result.integer("ruleIndex") if index is None else index)

    def _level(self, result: _Node, kind: str, found: tuple[int, int] | None) -> str:
        """§3.27.10: the result's level, else a configuration override, else the rule's default, else warning."""
        if kind != "fail":
            return "none"
        level = result.string("level")
        if level is None and found is not None:
            level = self._override_level(result, found) or _default_level(self.components[found[0]].rules[found[1]])
        return level if level in _LEVELS else "warning"

    def _override_level(self, result: _Node, found: tuple[int, int]) -> str | None:
        provenance = result.child("provenance")
        index = provenance.integer("invocationIndex") if provenance is not None else None
        if index is None or not 0 <= index < len(self.invocations):
            return None
        for override in self.invocations[index].array("ruleConfigurationOverrides") or []:
            ref = override.child("descriptor")
            if ref is not None and self._lookup(ref, ref.string("id"), ref.integer("index")) == found:
                configuration = override.child("configuration")
                return configuration.string("level") if configuration is not None else None
        return None

    # Messages --------------------------------------------------------------------------------------------------

    def _message(self, result: _Node, found: tuple[int, int] | None) -> str | None:
        message = result.child("message")
        if message is None:
            return None
        text = message.string("text")
        template = message.strings("arguments") is not None
        if text is None and (message_id := message.string("id")) is not None:
            text = self._message_string(message_id, found)
            template = text is not None
        if text is None:
            text = message.string("markdown")
        if text is None:
            return None
        return _fill(text, message.strings("arguments") or []) if template else text

    def _message_string(self, message_id: str, found: tuple[int, int] | None) -> str | None:
        """§3.11.7: the rule's messageStrings, then its component's globalMessageStrings."""
        component = self.components[0 if found is None else found[0]]
        holders = [component.node.child("globalMessageStrings")]
        if found is not None:
            holders.insert(0, component.rules[found[1]].child("messageStrings"))
        for holder in holders:
            entry = holder.child(message_id) if holder is not None else None
            if entry is not None:
                return entry.string("text") or entry.string("markdown")
        return None

    # Locations -------------------------------------------------------------------------------------------------

    def _location(self, location: _Node) -> SarifLocation:
        physical = location.child("physicalLocation")
        if physical is None:
            return SarifLocation(None)
        artifact = physical.child("artifactLocation")
        ref = self._artifact(artifact) if artifact is not None else None
        region = physical.child("region")
        line = region.integer("startLine") if region is not None else None
        if region is None or line is None or line < 1:
            return SarifLocation(ref)
        return SarifLocation(
            ref,
            line=line,
            column=_positive(region.integer("startColumn")),
            end_line=_positive(region.integer("endLine")),
            end_column=_positive(region.integer("endColumn")),
        )

    def _artifact(self, node: _Node) -> ArtifactRef | None:
        uri, base = node.string("uri"), node.string("uriBaseId")
        index = node.integer("index")
        if uri is None and index is not None and 0 <= index < len(self.artifacts):
            cached = self.artifacts[index].child("location")
            if cached is not None:
                uri, base = cached.string("uri"), base or cached.string("uriBaseId")
        if uri is None:
            return None
        absolute, relative = self._resolve(uri, base, frozenset())
        return ArtifactRef(uri if base is None else f"{base}/{uri}", absolute, relative)

    def _resolve(self, uri: str, base_id: str | None, seen: frozenset[str]) -> tuple[str | None, str | None]:
        """(absolute filesystem path, path relative to the outermost base); (None, None) when not a file."""
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if len(scheme) == 1:  # "C:/src/app.py": a Windows path, not a URI scheme
            return _absolute(uri), None
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                return None, None
            return _absolute(unquote(parts.path)), None
        if scheme:
            return None, None
        path = unquote(parts.path)
        if path.startswith("/"):
            return _absolute(path), None
        base = None if base_id is None or base_id in seen or self.bases is None else self.bases.child(base_id)
        base_uri = base.string("uri") if base is not None else None
        if base is None or base_uri is None:
            return None, path
        base_absolute, base_relative = self._resolve(base_uri, base.string("uriBaseId"), seen | {base_id or ""})
        if base_absolute is None and base_relative is None:
            return None, None
        relative = path if base_relative is None else posixpath.join(base_relative, path)
        return (None if base_absolute is None else posixpath.join(base_absolute, path)), relative


def _component(node: _Node) -> _Component:
    rules = tuple(node.array("rules") or [])
    by_id: dict[str, int] = {}
    for i, rule in enumerate(rules):
        rule_id = rule.string("id")
        if rule_id is not None:
            by_id.setdefault(rule_id, i)
    return _Component(node, node.string("name"), node.string("guid"), rules, by_id)


def _rule_id(result: _Node) -> str | None:
    ref = result.child("rule")
    return result.string("ruleId") or (ref.string("id") if ref is not None else None)


def _same_rule(rule_id: str, descriptor_id: str) -> bool:
    """§3.27.5: a result's id equals the rule's id, or extends it by hierarchical components ("CA5350/md5")."""
    return rule_id == descriptor_id or rule_id.startswith(descriptor_id + "/")


def _id_prefixes(rule_id: str) -> list[str]:
    parts = rule_id.split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _default_level(descriptor: _Node) -> str | None:
    configuration = descriptor.child("defaultConfiguration")
    return configuration.string("level") if configuration is not None else None


def _description(descriptor: _Node | None) -> str | None:
    if descriptor is None:
        return None
    short = descriptor.child("shortDescription")
    text = short.string("text") if short is not None else None
    return text or descriptor.string("name")


def _our_fix(descriptor: _Node | None, rule_props: Mapping[str, object]) -> str | None:
    """Our exported rules carry the fix as `help.text`; other tools' help is full documentation, not a fix."""
    if descriptor is None or PROP_SEVERITY not in rule_props:
        return None
    help_node = descriptor.child("help")
    return help_node.string("text") if help_node is not None else None


def _is_suppressed(result: _Node) -> bool:
    suppressions = result.array("suppressions")
    if not suppressions:
        return False
    return not any(s.string("status") in _UNDECIDED_SUPPRESSION for s in suppressions)


def _severity(kind: str, level: str, result_props: Mapping[str, object], rule_props: Mapping[str, object]) -> Severity:
    own = result_props.get(PROP_SEVERITY)
    if isinstance(own, str) and own in {s.value for s in Severity}:
        return Severity(own)
    if kind == "fail":
        score = _score(result_props)
        score = _score(rule_props) if score is None else score
        if score is not None:
            return _score_severity(score)
    return _LEVEL_SEVERITY[level]


def _score(props: Mapping[str, object]) -> float | None:
    """CodeQL writes `security-severity` as a string ("7.5"); accept numbers too, ignore anything else."""
    raw = props.get("security-severity")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _score_severity(score: float) -> Severity:
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW if score > 0 else Severity.INFO


def _fill(template: str, arguments: Sequence[str]) -> str:
    """§3.11.5: `{n}` is arguments[n]; `{{` and `}}` are literal braces."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        index = int(match.group(1))
        return arguments[index] if index < len(arguments) else token

    return _PLACEHOLDER.sub(replace, template)


def _positive(value: int | None) -> int | None:
    return value if value is not None and value >= 1 else None


def _absolute(path: str) -> str:
    drive = _DRIVE.match(path)
    return path[1:] if drive and path.startswith("/") else path


# ---------------------------------------------------------------------------------------------------------------
# Import: onto a change.


_Lines = dict[int, tuple[int, DiffLine]]


@dataclass(frozen=True, slots=True)
class _DiffIndex:
    """Per path, line number -> (hunk index, diff line), on the new side and on the old side."""

    new: Mapping[str, _Lines]
    old: Mapping[str, _Lines]

    @classmethod
    def of(cls, change: Change) -> _DiffIndex:
        new: dict[str, _Lines] = {}
        old: dict[str, _Lines] = {}
        for file in change.files:
            new_lines: _Lines = {}
            old_lines: _Lines = {}
            for index, hunk in enumerate(file.hunks):
                for line in hunk.lines:
                    if line.new_no is not None:
                        new_lines[line.new_no] = (index, line)
                    if line.old_no is not None:
                        old_lines[line.old_no] = (index, line)
            if file.new_path is not None:
                new[file.new_path] = new_lines
            if file.old_path is not None:
                old[file.old_path] = old_lines
        return cls(new, old)

    def text(self, path: str, line: int, side: Side) -> str | None:
        entry = (self.new if side is Side.NEW else self.old).get(path, {}).get(line)
        return None if entry is None else entry[1].text


def findings_for_change(log: SarifLog, change: Change, *, repo_root: Path | None, mode: str = "added") -> list[Finding]:
    """The log's results that belong to `change` under the filter `mode`, anchored to its diff."""
    if mode not in FILTER_MODES:
        raise SarifError(f"unknown SARIF filter mode {mode!r} (use one of: {', '.join(FILTER_MODES)})")
    mapper = _PathMapper(repo_root)
    index = _DiffIndex.of(change)
    findings: set[Finding] = set()
    for run in log.runs:
        utf16 = run.column_kind != "unicodeCodePoints"
        for result in run.results:
            if result.change is not None and result.change != change.id:
                continue
            finding = _place(result, run.tool, change.id, index, mapper, mode, utf16)
            if finding is not None:
                findings.add(finding)
    return sorted(findings, key=Finding.sort_key)


class _PathMapper:
    """Artifact references to repository-relative paths (None when they cannot be placed in the repository)."""

    def __init__(self, repo_root: Path | None) -> None:
        roots = [] if repo_root is None else [repo_root.as_posix(), repo_root.resolve().as_posix()]
        self.roots = [posixpath.normpath(r).rstrip("/") + "/" for r in dict.fromkeys(roots)]

    def __call__(self, artifact: ArtifactRef) -> str | None:
        if artifact.absolute is not None:
            absolute = posixpath.normpath(artifact.absolute)
            for root in self.roots:
                if absolute.startswith(root):
                    return absolute[len(root) :]
        if artifact.relative is None:
            return None
        relative = posixpath.normpath(artifact.relative)
        if relative in (".", "..") or relative.startswith(("../", "/")):
            return None
        return relative

    def describe(self, location: SarifLocation) -> str | None:
        if location.artifact is None:
            return None
        place = self(location.artifact) or location.artifact.uri
        return place if location.line is None else f"{place}:{location.line}"


def _place(
    result: SarifResult,
    tool: str,
    change_id: str,
    index: _DiffIndex,
    mapper: _PathMapper,
    mode: str,
    utf16: bool,
) -> Finding | None:
    location = result.location
    message = _render_links(result.message, dict(result.related), mapper)
    path = mapper(location.artifact) if location is not None and location.artifact is not None else None
    anchor = _Anchor()
    if location is None or path is None:
        if mode != "nofilter":
            return None
        where = mapper.describe(location) if location is not None else None
        message = message if where is None else f"{message} (at {where})"
    else:
        found = _anchor(result.side, path, location, index, mode, utf16)
        if found is None:
            return None
        anchor = found
    return Finding(
        rule=result.rule,
        severity=result.severity,
        message=message,
        change=change_id,
        source=f"sarif:{tool}",
        path=anchor.path,
        line=anchor.line,
        side=anchor.side,
        span=anchor.span,
        hunk=anchor.hunk,
        title=result.title,
        fix=result.fix,
        docs=result.docs,
        tool=tool,
    )


@dataclass(frozen=True, slots=True)
class _Anchor:
    path: str | None = None
    line: int | None = None
    side: Side | None = None
    span: tuple[int, int] | None = None
    hunk: int | None = None


def _anchor(
    side: Side, path: str, location: SarifLocation, index: _DiffIndex, mode: str, utf16: bool
) -> _Anchor | None:
    """Where the result sits in the diff, or None when the filter mode drops it."""
    lines = (index.new if side is Side.NEW else index.old).get(path)
    line = location.line
    if line is None:
        return _Anchor(path) if mode == "nofilter" or (mode == "file" and lines is not None) else None
    entry = None if lines is None else lines.get(line)
    if entry is None:
        keep = mode == "nofilter" or (mode == "file" and lines is not None)
        return _Anchor(path, line, side, _span(location, None, utf16)) if keep else None
    hunk, diff_line = entry
    changed = LineKind.ADDED if side is Side.NEW else LineKind.REMOVED
    if mode == "added" and diff_line.kind is not changed:
        return None
    return _Anchor(path, line, side, _span(location, diff_line.text, utf16), hunk)


def _span(location: SarifLocation, text: str | None, utf16: bool) -> tuple[int, int] | None:
    """1-based, end-exclusive SARIF columns -> 0-based [start, end) on the location's first line."""
    if location.column is None and location.end_column is None:
        return None
    start = (location.column or 1) - 1
    multiline = location.end_line is not None and location.line is not None and location.end_line > location.line
    if multiline or location.end_column is None:
        if text is None:
            return None
        end = len(text)
        start = _code_points(text, start) if utf16 else min(start, len(text))
    else:
        end = location.end_column - 1
        if text is not None:
            start, end = (_code_points(text, start), _code_points(text, end)) if utf16 else (start, end)
            start, end = min(start, len(text)), min(end, len(text))
    return (start, end) if start <= end else None


def _code_points(text: str, units: int) -> int:
    """The string index at a UTF-16 code unit offset (characters outside the BMP take two units)."""
    count = 0
    for i, char in enumerate(text):
        if count >= units:
            return i
        count += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def _render_links(text: str, related: Mapping[int, SarifLocation], mapper: _PathMapper) -> str:
    """§3.11.6: "[value](1)" becomes "value (path:line)"; other links stay exactly as written."""

    def replace(match: re.Match[str]) -> str:
        target = related.get(int(match.group(2)))
        if target is None:
            return match.group(0)
        label = _LINK_ESCAPE.sub(r"\1", match.group(1))
        where = mapper.describe(target)
        return label if where is None else f"{label} ({where})"

    return _LINK.sub(replace, text)


# ---------------------------------------------------------------------------------------------------------------
# Export.


def to_sarif(
    findings_by_change: Mapping[str, Sequence[Finding]],
    rules: Sequence[Rule],
    *,
    tool_version: str,
    repo_root: Path | None,
    changes: Mapping[str, Change] | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of the findings: reviewtui's run first, then one run per imported tool.

    `changes` (by id) is optional: with it, fingerprints hash the finding's line text, so they survive the line
    moving; without it they hash the message.
    """
    indexes = {cid: _DiffIndex.of(change) for cid, change in (changes or {}).items()}
    own = _RunWriter(TOOL_NAME, tool_version, rules)
    imported: dict[str, _RunWriter] = {}
    for change_id, findings in findings_by_change.items():
        index = indexes.get(change_id)
        for finding in sorted(findings, key=Finding.sort_key):
            tool = _imported_tool(finding)
            writer = own if tool is None else imported.setdefault(tool, _RunWriter(tool, None, ()))
            writer.add(finding, change_id, _line_text(finding, index))
    converter = {"tool": {"driver": own.driver()}}
    runs = [own.run(repo_root), *(imported[tool].run(repo_root, converter) for tool in sorted(imported))]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def dump_sarif(log: Mapping[str, Any]) -> str:
    """The log as indented UTF-8 JSON text; key order is fixed by construction, so exports diff cleanly."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _imported_tool(finding: Finding) -> str | None:
    if not finding.source.startswith("sarif:"):
        return None
    tool = finding.tool or finding.source.removeprefix("sarif:") or "unknown"
    return None if tool == TOOL_NAME else tool


def _line_text(finding: Finding, index: _DiffIndex | None) -> str | None:
    if index is None or finding.path is None or finding.line is None:
        return None
    return index.text(finding.path, finding.line, finding.side or Side.NEW)


class _RunWriter:
    def __init__(self, tool: str, version: str | None, rules: Sequence[Rule]) -> None:
        self.tool = tool
        self.version = version
        self.descriptors: list[dict[str, Any]] = []
        self.positions: dict[str, int] = {}
        self.results: list[dict[str, Any]] = []
        self.seen: dict[str, int] = {}
        for rule in rules:
            if rule.id not in self.positions:
                self._describe(rule.id, _rule_descriptor(rule))

    def _describe(self, rule_id: str, descriptor: dict[str, Any]) -> int:
        self.positions[rule_id] = len(self.descriptors)
        self.descriptors.append(descriptor)
        return self.positions[rule_id]

    def add(self, finding: Finding, change_id: str, line_text: str | None) -> None:
        position = self.positions.get(finding.rule)
        if position is None:
            position = self._describe(finding.rule, _finding_descriptor(finding))
        fingerprint = _fingerprint(finding, line_text)
        self.seen[fingerprint] = self.seen.get(fingerprint, 0) + 1
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": position,
            "kind": "fail",
            "level": _SEVERITY_LEVEL[finding.severity],
            "message": _message_out(finding.message),
        }
        location = _location_out(finding)
        if location is not None:
            result["locations"] = [location]
        result["partialFingerprints"] = {FINGERPRINT_KEY: f"{fingerprint}:{self.seen[fingerprint]}"}
        properties = {PROP_SEVERITY: finding.severity.value, PROP_CHANGE: change_id, PROP_SOURCE: finding.source}
        if finding.side is not None:
            properties[PROP_SIDE] = finding.side.value
        result["properties"] = properties
        self.results.append(result)

    def driver(self) -> dict[str, Any]:
        driver: dict[str, Any] = {"name": self.tool}
        if self.version is not None:
            driver["version"] = self.version
            if _SEMVER.match(self.version):  # §3.19.12: Semantic Versioning 2.0 only ("0.1.0.dev1" is not)
                driver["semanticVersion"] = self.version
        return driver

    def run(self, repo_root: Path | None, conversion: dict[str, Any] | None = None) -> dict[str, Any]:
        run: dict[str, Any] = {"tool": {"driver": {**self.driver(), "rules": self.descriptors}}}
        if conversion is not None:
            run["conversion"] = conversion
        if repo_root is not None:
            run["originalUriBaseIds"] = {SRCROOT: {"uri": repo_root.resolve().as_uri().rstrip("/") + "/"}}
        run["columnKind"] = "unicodeCodePoints"
        run["results"] = self.results
        return run


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", rule.id)) or rule.id,
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": " ".join((rule.rationale or rule.message or rule.title).split())},
    }
    if rule.fix:
        descriptor["help"] = {"text": rule.fix}
    if rule.docs:
        descriptor["helpUri"] = rule.docs
    descriptor["defaultConfiguration"] = {"level": _SEVERITY_LEVEL[rule.severity]}
    tags = ["reviewtui", rule.source, *(["tier-1"] if rule.tier1_only else []), *rule.languages]
    descriptor["properties"] = {PROP_SEVERITY: rule.severity.value, "tags": list(dict.fromkeys(tags))}
    return descriptor


def _finding_descriptor(finding: Finding) -> dict[str, Any]:
    """For a rule known only through its findings (imported tools' rules, rules no longer in the rule set)."""
    descriptor: dict[str, Any] = {"id": finding.rule, "shortDescription": {"text": finding.title or finding.rule}}
    if finding.docs:
        descriptor["helpUri"] = finding.docs
    return descriptor


def _message_out(text: str) -> dict[str, Any]:
    """§3.11.5: literal braces are written doubled; the (empty) arguments array tells readers to undo that."""
    if "{" not in text and "}" not in text:
        return {"text": text}
    return {"text": text.replace("{", "{{").replace("}", "}}"), "arguments": []}


def _location_out(finding: Finding) -> dict[str, Any] | None:
    if finding.path is None:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(finding.path), "uriBaseId": SRCROOT}}
    if finding.line is not None and finding.line >= 1:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.span is not None:
            region["startColumn"] = finding.span[0] + 1
            region["endColumn"] = finding.span[1] + 1
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(finding: Finding, line_text: str | None) -> str:
    """Stable across line moves: what was found where, not at which line number."""
    basis = " ".join(line_text.split()) if line_text is not None else finding.message
    side = (finding.side or Side.NEW).value
    material = "\x00".join((finding.rule, finding.path or "", side, basis))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]
