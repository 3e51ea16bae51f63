"""Infrastructure and schema changes that destroy state: what a line regex cannot see on its own.

Terraform destroys a resource when its address disappears, so a rename is a delete plus a create and a removed block
is a delete; whether that loses data depends on the resource type and on whether a `moved` block says otherwise.
Migrations destroy data with DROP/TRUNCATE/unbounded DELETE, but the same statements are expected in a down
migration and harmless on a table the same change creates. These checks compare removed against added lines across
the whole change and read the file at head for context, so the reviewer sees the destructive cases and not the rest.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reviewtui.model import DiffLine, FileChange, LineKind
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import Located, lines, scope_lines

# --------------------------------------------------------------------------------------------------------------------
# Terraform

_TF_BLOCK = re.compile(r'^\s*(resource|module)\s+"?([\w-]+)"?(?:\s+"?([\w-]+)"?)?\s*\{')
_TF_MOVED = re.compile(r"^\s*from\s*=\s*([\w.\[\]\"'-]+)")
_TF_INDEX = re.compile(r"\[[^\]]*\]")
_TF_PROTECTION = re.compile(
    r'^\s*"?(prevent_destroy|deletion_protection|deletion_protection_enabled|enable_deletion_protection)"?'
    r"\s*[=:]\s*(true|false)\b"
)
STATEFUL_TYPES = (
    "aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_global_cluster", "aws_s3_bucket",
    "aws_dynamodb_table", "aws_dynamodb_global_table", "aws_efs_file_system", "aws_ebs_volume", "aws_fsx_*",
    "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_memorydb_cluster", "aws_elasticsearch_domain",
    "aws_opensearch_domain", "aws_redshift_cluster", "aws_docdb_cluster", "aws_neptune_cluster", "aws_msk_cluster",
    "aws_kinesis_stream", "aws_sqs_queue", "aws_kms_key", "aws_secretsmanager_secret", "aws_backup_vault",
    "aws_ecs_cluster", "aws_eks_cluster", "aws_route53_zone", "aws_cognito_user_pool", "aws_ecr_repository",
    "aws_timestream_*", "aws_keyspaces_*", "aws_glacier_vault",
    "google_sql_database_instance", "google_sql_database", "google_storage_bucket", "google_bigquery_dataset",
    "google_bigquery_table", "google_spanner_instance", "google_spanner_database", "google_bigtable_instance",
    "google_bigtable_table", "google_firestore_database", "google_redis_instance", "google_filestore_instance",
    "google_kms_key_ring", "google_kms_crypto_key", "google_container_cluster", "google_compute_disk",
    "google_alloydb_*", "google_pubsub_topic",
    "azurerm_*database*", "azurerm_*sql*", "azurerm_cosmosdb_*", "azurerm_storage_account", "azurerm_storage_container",
    "azurerm_key_vault", "azurerm_redis_cache", "azurerm_kubernetes_cluster", "azurerm_managed_disk",
    "kubernetes_persistent_volume", "kubernetes_persistent_volume_claim", "kubernetes_stateful_set*",
    "kubernetes_namespace*", "digitalocean_database_cluster", "digitalocean_volume", "mongodbatlas_cluster",
    "mongodbatlas_advanced_cluster", "snowflake_database", "snowflake_table",
)  # fmt: skip


def _terraform_files(files: Sequence[FileChange]) -> list[FileChange]:
    return [f for f in files if f.path.endswith(".tf")]


def _address(text: str) -> tuple[str, str] | None:
    """(type, name) of a Terraform address: `module.db.aws_db_instance.main[0]` -> (aws_db_instance, main),
    `module.old` -> (module, old)."""
    parts = _TF_INDEX.sub("", text.strip("\"'")).split(".")
    if len(parts) == 2 and parts[0] == "module":
        return ("module", parts[1])
    if len(parts) >= 2 and parts[-2] != "module":
        return (parts[-2], parts[-1])
    return None


def _block(line: str) -> tuple[str, str] | None:
    match = _TF_BLOCK.match(line)
    if match is None:
        return None
    if match.group(1) == "module":
        return ("module", match.group(2))
    return (match.group(2), match.group(3)) if match.group(3) else None


def is_stateful(kind: str, extra: Sequence[str] = ()) -> bool:
    """Resources whose destruction loses data or breaks everything that points at them; modules may hold any."""
    return kind == "module" or any(fnmatch.fnmatchcase(kind, pattern) for pattern in (*STATEFUL_TYPES, *extra))


def _label(address: tuple[str, str]) -> str:
    return ".".join(address)


@dataclass
class _TerraformBlocks:
    removed: list[tuple[Located, tuple[str, str]]]
    added: dict[str, list[tuple[str, str]]]
    """type -> [(name, path)] of blocks on added lines."""
    moved: set[tuple[str, str]]
    """Addresses named as `from` in added moved/removed blocks."""


def _terraform_blocks(files: Sequence[FileChange]) -> _TerraformBlocks:
    blocks = _TerraformBlocks([], defaultdict(list), set())
    for located in lines(_terraform_files(files), Scope.LINES):
        block = _block(located.line.text)
        if located.line.kind is LineKind.REMOVED:
            if block is not None:
                blocks.removed.append((located, block))
            continue
        if block is not None:
            blocks.added[block[0]].append((block[1], located.file.path))
        move = _TF_MOVED.match(located.line.text)
        address = _address(move.group(1)) if move else None
        if address is not None:
            blocks.moved.add(address)
    return blocks


@check("terraform-resource-replaced", scopes={Scope.LINES, Scope.REMOVED}, options={"stateful": list})
def terraform_resource_replaced(data: CheckInput) -> Iterator[Hit]:
    """A Terraform resource renamed without a `moved` block, or a stateful resource removed: a destroy in the plan."""
    extra = [str(p) for p in data.option("stateful", [])]
    blocks = _terraform_blocks(data.files)
    gone = {address for _, address in blocks.removed}
    for located, (kind, name) in blocks.removed:
        candidates = blocks.added.get(kind, [])
        if any(n == name for n, _ in candidates) or (kind, name) in blocks.moved:
            continue
        # The same type added under another name is the rename; one in the same file is the likeliest.
        renamed = sorted(
            (path != located.file.path, i, n) for i, (n, path) in enumerate(candidates) if (kind, n) not in gone
        )
        if renamed:
            new = _label((kind, renamed[0][2]))
            detail = f"{_label((kind, name))} becomes {new}: Terraform destroys it and creates {new}"
        elif is_stateful(kind, extra):
            detail = f"{_label((kind, name))} is removed: Terraform destroys it and what it stores"
        else:
            continue
        yield located.hit(span=_span(located.line.text), detail=detail)


def _span(text: str) -> tuple[int, int]:
    start = len(text) - len(text.lstrip())
    return (start, len(text.rstrip().rstrip("{").rstrip()))


@check("terraform-protection-removed", scopes={Scope.LINES}, options={})
def terraform_protection_removed(data: CheckInput) -> Iterator[Hit]:
    """`prevent_destroy` or deletion protection removed or set to false (a move of the same line is not reported)."""
    removed_true: dict[str, list[Located]] = defaultdict(list)
    added_true: dict[str, int] = defaultdict(int)
    added_false: dict[str, list[tuple[Located, tuple[int, int]]]] = defaultdict(list)
    for located in lines(_terraform_files(data.files), Scope.LINES):
        match = _TF_PROTECTION.match(located.line.text)
        if match is None:
            continue
        attribute, value = match.group(1), match.group(2)
        if located.line.kind is LineKind.REMOVED:
            if value == "true":
                removed_true[attribute].append(located)
        elif value == "true":
            added_true[attribute] += 1
        else:
            added_false[attribute].append((located, (match.start(1), match.end(2))))
    for attribute in sorted({*removed_true, *added_false}):
        for located, span in added_false[attribute]:
            yield located.hit(span=span, detail=f"{attribute} set to false")
        kept = added_true[attribute] + len(added_false[attribute])
        for located in removed_true[attribute][kept:]:
            text = located.line.text
            yield located.hit(span=(len(text) - len(text.lstrip()), len(text.rstrip())), detail=f"{attribute} removed")


# --------------------------------------------------------------------------------------------------------------------
# Migrations

_I = re.IGNORECASE
_NAME = r"""[\w."`\[\]]+"""
_DROP_TABLE = re.compile(rf"\bDROP\s+TABLE\b(?:\s+IF\s+EXISTS)?\s+({_NAME})", _I)
_SQL_DESTRUCTIVE = (
    (re.compile(r"\bDROP\s+COLUMN\b", _I), "DROP COLUMN"),
    (re.compile(r"\bDROP\s+(?:DATABASE|SCHEMA)\b", _I), "DROP DATABASE/SCHEMA"),
    (re.compile(r"""\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?[\w"`\[]""", _I), "TRUNCATE"),
)
_ORM_DROP_TABLE = re.compile(
    r"""\b(?:op|batch_op)\.drop_table\s*\(|^\s*drop_table\b(?=\s*\(|\s+[:'"])|Schema::drop(?:IfExists)?\s*\("""
    r"""|[.>](?:drop|Drop)Table(?:IfExists)?\s*\(|\b(?:migrations\.)?DeleteModel\s*\("""
)
_ORM_DESTRUCTIVE = re.compile(
    r"""\b(?:op|batch_op)\.drop_column\s*\(|\b(?:migrations\.)?RemoveField\s*\("""
    r"""|^\s*(?:remove_columns?|drop_join_table|remove_reference|remove_belongs_to)\b(?=\s*\(|\s+[:'"])"""
    r"""|[.>](?:drop|Drop)Columns?\s*\(|\.removeColumn\s*\(|\.dropAllTables\s*\("""
)
_TABLE_ARGUMENT = re.compile(r"""\s*\(?\s*(?:name\s*=\s*)?:?['"]?([\w.]+)""")
_DELETE = re.compile(rf"\bDELETE\s+FROM\s+{_NAME}", _I)
_WHERE = re.compile(r"\bWHERE\b", _I)
_STATEMENT_END = re.compile(r"""[;"'`)]""")
_CREATE_TABLE = re.compile(
    rf"""\bCREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({_NAME})"""
    r"""|\b(?:create_table|createTable|CreateTable|CreateModel)\s*\(?\s*(?:name\s*=\s*)?:?['"]?([\w.]+)""",
    _I,
)
_QUOTING = re.compile(r"""["`\[\]]""")
_COMMENT = re.compile(r"^\s*(?:--|#|//|/\*|\*)")
_DOWN_FILE = re.compile(r"(?:^|[._-])(?:down|undo|rollback)\.sql$|^U\d[^/]*__[^/]*\.sql$", _I)
"""golang-migrate/sqlx `NNN_x.down.sql`, `down.sql`, `rollback.sql`, Flyway undo `U3__x.sql` (matched on the name)."""
_DOWN_SECTION = re.compile(
    r"^\s*(?:def\s+(?:down|downgrade|backwards|rollback)\b|(?:export\s+)?(?:async\s+)?function\s+down\b"
    r"|(?:exports|module\.exports)\.down\s*=|(?:public\s+)?(?:async\s+)?down\s*(?:\(|:\s*(?:async|function|\())"
    r"|.*\bvoid\s+Down\s*\(|func\s+[Dd]own\w*\s*\(|--\s*\+goose\s+Down|--\s*\+migrate\s+Down|--\s*migrate:down)"
)
_UP_SECTION = re.compile(
    r"^\s*(?:def\s+(?:up|upgrade|change|forwards)\b|(?:export\s+)?(?:async\s+)?function\s+up\b"
    r"|(?:exports|module\.exports)\.up\s*=|(?:public\s+)?(?:async\s+)?up\s*(?:\(|:\s*(?:async|function|\())"
    r"|.*\bvoid\s+Up\s*\(|func\s+[Uu]p\w*\s*\(|--\s*\+goose\s+Up|--\s*\+migrate\s+Up|--\s*migrate:up)"
)


@dataclass(frozen=True, slots=True)
class _Statement:
    located: Located
    span: tuple[int, int]
    what: str


def _table(name: str) -> str:
    """`"public"."Orders"` -> `orders`: compare tables by their unqualified, unquoted, case-folded name."""
    return _QUOTING.sub("", name).rsplit(".", 1)[-1].lower()


def created_tables(files: Sequence[FileChange]) -> set[str]:
    """Tables the change itself creates: dropping or constraining them cannot touch existing rows."""
    names: set[str] = set()
    for located in _added_with(files, _CREATE_WORDS):
        for match in _CREATE_TABLE.finditer(located.line.text):
            names.add(_table(match.group(1) or match.group(2)))
    return names


_CREATE_WORDS = ("create",)
"""Every form `_CREATE_TABLE` matches spells this word (in any case), as the statements the two migration checks
look for spell one of theirs: lines without one are never tried. The words hold no letter that IGNORECASE matches
beyond its two ASCII cases (i, k and s do: dotless i, Kelvin sign, long s), so the case-folded line holds every
spelling the patterns accept (tests/rules/test_prefilters.py)."""
_DESTRUCTIVE_WORDS = ("drop", "truncate", "remove", "delete")
_NOT_NULL_WORDS = ("null",)


def _added_with(files: Sequence[FileChange], words: tuple[str, ...]) -> Iterator[Located]:
    """In diff order, the added lines whose case-folded text contains one of `words` (found in each file's folded
    added text: the patterns here ran on every added line of every file, a third of a large change's scan)."""
    for file in files:
        view = scope_lines(file, Scope.ADDED)
        yield from map(view.located, view.folded().lines_with(words))


def _code(located: Located) -> str | None:
    """The line without comments, or None for a comment line."""
    text = located.line.text
    if _COMMENT.match(text):
        return None
    return text.split("--", 1)[0] if located.file.path.endswith(".sql") else text


class _Sections:
    """Whether a line of a migration file at head is in its down (rollback) part."""

    def __init__(self, data: CheckInput) -> None:
        self._data = data
        self._cache: dict[str, list[str]] = {}

    def down(self, located: Located) -> bool:
        """The nearest up/down marker above the line decides; a line under neither is an up migration."""
        if _DOWN_FILE.search(posixpath.basename(located.file.path)):
            return True
        for text in reversed(self._above(located)):
            if _DOWN_SECTION.match(text):
                return True
            if _UP_SECTION.match(text):
                return False
        return False

    def _above(self, located: Located) -> list[str]:
        path = located.file.path
        if path not in self._cache:
            blob = self._data.context.read(self._data.change.head, path)
            self._cache[path] = [] if blob is None else blob.decode("utf-8", "replace").splitlines()
        source = self._cache[path]
        return source[: (located.line.new_no or 1) - 1] if source else _before(located)


def _before(located: Located) -> list[str]:
    """New-side lines of the hunk above `located` (when the file at head cannot be read)."""
    out: list[str] = []
    for line in located.file.hunks[located.hunk].lines:
        if line is located.line:
            break
        if line.kind is not LineKind.REMOVED:
            out.append(line.text)
    return out


def _following(located: Located) -> list[DiffLine]:
    hunk_lines = located.file.hunks[located.hunk].lines
    index = next(i for i, line in enumerate(hunk_lines) if line is located.line)
    return [line for line in hunk_lines[index + 1 :] if line.kind is not LineKind.REMOVED]


def _delete_without_where(located: Located, code: str, start: int) -> bool:
    """Whether the DELETE starting at `start` ends (at `;`, a closing quote or bracket) before any WHERE."""
    texts = [code[start:], *(line.text for line in _following(located)[:10])]
    for text in texts:
        end = _STATEMENT_END.search(text)
        if _WHERE.search(text[: end.start()] if end else text):
            return False
        if end:
            return True
    return True


def _destructive_statements(located: Located, code: str, created: set[str]) -> Iterator[_Statement]:
    drop = _DROP_TABLE.search(code)
    if drop and _table(drop.group(1)) not in created:
        yield _Statement(located, drop.span(), "DROP TABLE")
    orm_drop = _ORM_DROP_TABLE.search(code)
    if orm_drop:
        argument = _TABLE_ARGUMENT.match(code, orm_drop.end())
        if argument is None or _table(argument.group(1)) not in created:
            yield _Statement(located, orm_drop.span(), orm_drop.group().strip(" (:.>"))
    for pattern, what in _SQL_DESTRUCTIVE:
        match = pattern.search(code)
        if match:
            yield _Statement(located, match.span(), what)
    orm = _ORM_DESTRUCTIVE.search(code)
    if orm:
        yield _Statement(located, orm.span(), orm.group().strip(" (:.>"))
    delete = _DELETE.search(code)
    if delete and _delete_without_where(located, code, delete.end()):
        yield _Statement(located, delete.span(), "DELETE without WHERE")


@check("destructive-migration", scopes={Scope.ADDED}, options={"include_down": bool})
def destructive_migration(data: CheckInput) -> Iterator[Hit]:
    """DROP TABLE/COLUMN/DATABASE, TRUNCATE, DELETE without WHERE and their ORM forms, outside down migrations."""
    include_down = bool(data.option("include_down", False))
    created = created_tables(data.files)
    sections = _Sections(data)
    for located in _added_with(data.files, _DESTRUCTIVE_WORDS):
        code = _code(located)
        if code is None:
            continue
        statements = list(_destructive_statements(located, code, created))
        if statements and (include_down or not sections.down(located)):
            first = min(statements, key=lambda s: s.span[0])
            yield located.hit(span=first.span, detail=", ".join(dict.fromkeys(s.what for s in statements)))


_SET_NOT_NULL = re.compile(rf"\bALTER\s+COLUMN\s+{_NAME}\s+SET\s+NOT\s+NULL\b", _I)
_ADD_NOT_NULL = re.compile(
    r"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|FOREIGN\b|INDEX\b|KEY\b|CHECK\b)"
    rf"{_NAME}\s[^;]*?\bNOT\s+NULL\b",
    _I,
)
_DEFAULT = re.compile(r"\bDEFAULT\b|\bGENERATED\b|server_default\s*=|\bdefault:", _I)
_ORM_NOT_NULL = re.compile(
    r"""\bop\.(?:add_column|alter_column)\s*\(\s*['"](\w+)['"].*\bnullable\s*=\s*False\b"""
    r"""|^\s*add_column\s*\(?\s*:(\w+).*\bnull:\s*false\b|^\s*change_column_null\s*\(?\s*:(\w+)\s*,[^,]+,\s*false\b"""
)
_ALTER_TABLE = re.compile(rf"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_NAME})", _I)


def _altered_table(located: Located, code: str) -> str | None:
    """The table an ALTER on this line (or the statement's first line, up to ten lines above) applies to."""
    for text in [code, *reversed(_before(located)[-10:])]:
        match = _ALTER_TABLE.search(text)
        if match:
            return _table(match.group(1))
    return None


def _not_null(located: Located, code: str, created: set[str]) -> _Statement | None:
    match = _SET_NOT_NULL.search(code)
    if match and _altered_table(located, code) not in created:
        return _Statement(located, match.span(), "SET NOT NULL")
    match = _ADD_NOT_NULL.search(code)
    if match and not _DEFAULT.search(code) and _altered_table(located, code) not in created:
        return _Statement(located, match.span(), "ADD COLUMN ... NOT NULL without DEFAULT")
    match = _ORM_NOT_NULL.search(code)
    if match is None:
        return None
    adds_column = "add_column" in match.group()
    table = next(g for g in match.groups() if g is not None)
    if (adds_column and _DEFAULT.search(code)) or _table(table) in created:
        return None
    return _Statement(located, match.span(), "NOT NULL on an existing table")


@check("blocking-not-null-migration", scopes={Scope.ADDED}, options={})
def blocking_not_null_migration(data: CheckInput) -> Iterator[Hit]:
    """NOT NULL added to an existing table's column without a default: fails on existing rows or locks the table."""
    created = created_tables(data.files)
    sections = _Sections(data)
    for located in _added_with(data.files, _NOT_NULL_WORDS):
        code = _code(located)
        if code is None:
            continue
        statement = _not_null(located, code, created)
        if statement is not None and not sections.down(located):
            yield located.hit(span=statement.span, detail=statement.what)
