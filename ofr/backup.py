"""Backups and restores: the database in its own tool's format, every stored
file, and a manifest that a restore is checked against.

A backup is one folder: the database dump (SQLite's online backup API, or
`pg_dump --format=custom`, each one consistent snapshot), `files/` (every file
on private storage, read through the storage API so a bucket works as well as
a folder), and `manifest.json` (each table's rows, the access log's head and
the applied migrations, all read in the dump's own snapshot; each file's size
and sha256; the app's version). SECRET_KEY, AUDIT_KEY and FIELD_ENCRYPTION_KEYS are never in it.

A restore goes only into an empty database of the same kind and empty
storage, after checking the backup against its manifest, and then checks what
it restored: rows per table, every file's sha256, and the access log's chain
up to the head it had at backup time.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.utils import validate_file_name
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, models, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

from ofr.audit import Action, record
from ofr.files import HASH_CHUNK, private_storage
from ofr.storage_check import file_fields, stored_names

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MANIFEST_KEYS = {"database", "tables", "access_log_head", "files"}


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why."""


@dataclass
class Snapshot:
    """What one consistent view of the database holds."""

    tables: dict[str, int]
    head: dict | None  # the access log's last row: {"seq": ..., "hash": ...}
    migrations: dict[str, list[str]]
    named_files: set[str] = field(default_factory=set)  # files that current rows name


def read_snapshot(cursor, conn) -> Snapshot:
    """Row counts of every table, the access log's head, the applied migrations
    and the files current rows name, through `cursor` (a Django cursor or a
    plain DB-API one of `conn`'s kind: in one transaction, one snapshot)."""
    quote = conn.ops.quote_name
    tables = {}
    for table in sorted(conn.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        tables[table] = cursor.fetchone()[0]
    cursor.execute("SELECT seq, entry_hash FROM ofr_accessevent ORDER BY seq DESC LIMIT 1")
    row = cursor.fetchone()
    head = {"seq": row[0], "hash": row[1]} if row else None
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    named = set()
    for model, name in file_fields():
        column = model._meta.get_field(name)
        if not isinstance(column, models.FileField):
            continue  # a history row: an earlier version may name a file deleted on purpose
        table, column = quote(model._meta.db_table), quote(column.column)
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
        named |= {name for (name,) in cursor.fetchall() if name}
    return Snapshot(tables, head, migrations, named)


# --- Backup ---------------------------------------------------------------------


def make_backup(dest: Path) -> dict:
    """Write a backup folder at `dest` (which must not exist) and return its manifest.

    It is written under a temporary name beside `dest` and renamed when
    complete, so a failed backup never looks like one; the manifest, written
    last, is what a restore first asks for."""
    dest = Path(dest).absolute()
    if dest.exists():
        raise BackupError(f"{dest} already exists: a backup never overwrites anything.")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder.")
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    pg_dump = pg_tool("pg_dump", connection) if vendor == "postgresql" else None
    started = time.monotonic()
    # Logged before the dump, so the backup holds the event of its own making.
    record(None, Action.EXPORT, detail=f"backup {dest.name} (manage.py backup)")
    # mkdtemp makes it 0700: the backup holds every case.
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        dump = work / DUMPS[vendor]
        if pg_dump:
            snapshot, tool = dump_postgresql(dump, pg_dump)
        else:
            snapshot, tool = dump_sqlite(dump)
        files = copy_files(work / FILES)
        copied = {entry["name"] for entry in files}
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "app": app_version(),
            "database": {
                "vendor": vendor,
                "dump": dump.name,
                "tool": tool,
                **described(dump),
            },
            "keys": "SECRET_KEY, AUDIT_KEY and FIELD_ENCRYPTION_KEYS are not in a backup; "
            "keep them apart. Verifying the access log after a restore needs the same "
            "AUDIT_KEY and AUDIT_KEY_FALLBACKS; reading the decedent identifiers needs "
            "the FIELD_ENCRYPTION_KEYS of the time of the backup.",
            "tables": snapshot.tables,
            "rows": sum(snapshot.tables.values()),
            "access_log_head": snapshot.head,
            "migrations": snapshot.migrations,
            "files": files,
            "bytes": sum(entry["size"] for entry in files),
            # Rows whose file was gone when the files were copied.
            "files_missing": sorted(snapshot.named_files - copied),
        }
        manifest["seconds"] = round(time.monotonic() - started, 2)
        with open(work / MANIFEST, "w") as out:
            json.dump(manifest, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        if dest.exists():
            raise BackupError(f"{dest} appeared while the backup was written.")
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def dump_sqlite(path: Path) -> tuple[Snapshot, str]:
    """SQLite's online backup API copies the database in one step, under one
    read lock: a consistent snapshot, while the app keeps running (WAL)."""
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as target:
        connection.connection.backup(target)
        # One self-contained file: no -wal beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        with closing(target.cursor()) as cursor:
            snapshot = read_snapshot(cursor, connection)
    return snapshot, f"SQLite {sqlite3.sqlite_version} online backup API"


def dump_postgresql(path: Path, pg_dump: str) -> tuple[Snapshot, str]:
    """pg_dump reads the snapshot this transaction exports, so the manifest's
    counts, head and file names are of exactly the rows in the dump."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        run_pg(
            pg_dump,
            connection.settings_dict,
            ["--format=custom", f"--snapshot={snapshot_id}", f"--file={path}"],
        )
        snapshot = read_snapshot(cursor, connection)
    return snapshot, tool_version(pg_dump)


def copy_files(folder: Path) -> list[dict]:
    """Copy every stored file into `folder`: name, size and sha256 of each."""
    entries = []
    for name in sorted(all_stored_names()):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with private_storage.open(name, "rb") as source, open(target, "wb") as out:
                size, sha256 = copy_hashed(source, out)
        except FileNotFoundError:
            target.unlink(missing_ok=True)  # deleted since it was listed
            continue
        entries.append({"name": name, "size": size, "sha256": sha256})
    return entries


def all_stored_names() -> list[str]:
    try:
        return stored_names()
    except FileNotFoundError:  # a storage folder not made yet holds nothing
        return []


def copy_hashed(source, out=None) -> tuple[int, str]:
    """Read `source` in chunks (writing them to `out` if given): size and sha256."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: source.read(HASH_CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return size, digest.hexdigest()


def described(path: Path) -> dict:
    with open(path, "rb") as handle:
        size, sha256 = copy_hashed(handle)
    return {"size": size, "sha256": sha256}


def app_version() -> dict:
    try:
        version = package_version("ofr")
    except PackageNotFoundError:
        version = ""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    return {"version": version, "commit": commit}


# --- PostgreSQL's tools -------------------------------------------------------------


def pg_tool(name: str, conn, *, at_least: int = 0) -> str:
    """The path of pg_dump or pg_restore, refused when missing or older than
    the server (it cannot read a newer server's catalogue) or than `at_least`."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of the server's "
            "version (Debian: apt-get install postgresql-client-15)."
        )
    major = tool_major(path)
    server = conn.pg_version // 10000
    if major < max(server, at_least):
        newer = f"PostgreSQL {server}" if server > at_least else f"a pg_dump {at_least} dump"
        raise BackupError(
            f"{path} is version {major}, older than {newer}: install "
            f"postgresql-client-{max(server, at_least)} and put its {name} first on PATH."
        )
    return path


def tool_version(path: str) -> str:
    return subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def tool_major(path: str) -> int:
    found = re.search(r"(\d+)", tool_version(path))
    return int(found.group(1)) if found else 0


def run_pg(tool: str, settings_dict: dict, arguments: list[str]) -> None:
    """Run pg_dump or pg_restore on the database `settings_dict` names,
    connected as Django connects (the password goes in the environment)."""
    _, pg_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(pg_env or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    result = subprocess.run(  # noqa: S603
        [tool, *arguments, f"--dbname={settings_dict['NAME']}"],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(tool).name} failed: {result.stderr.strip()}")


# --- Restore --------------------------------------------------------------------------


@dataclass
class Restored:
    manifest: dict
    target: str
    seconds: float
    differences: list[str]


def load_manifest(src: Path) -> dict:
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{src} has no {MANIFEST}: it is not a complete backup (a backup that failed "
            "or is still being written has none)."
        )
    try:
        manifest = json.loads(path.read_text())
    except ValueError as error:
        raise BackupError(f"{path} is not readable JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is of format {manifest.get('format')!r}, not {FORMAT}.")
    absent = sorted(MANIFEST_KEYS - set(manifest))
    if absent:
        raise BackupError(f"{path} lacks {', '.join(absent)}.")
    return manifest


def check_backup(src: Path, manifest: dict) -> list[str]:
    """What in the backup folder differs from its manifest."""
    problems = []
    database = manifest["database"]
    dump = src / database["dump"]
    if not dump.is_file():
        problems.append(f"database dump {database['dump']}: missing")
    elif described(dump) != {"size": database["size"], "sha256": database["sha256"]}:
        problems.append(f"database dump {database['dump']}: size or sha256 differs")
    for entry in manifest["files"]:
        name = entry["name"]
        try:
            validate_file_name(name, allow_relative_path=True)
        except SuspiciousFileOperation:
            problems.append(f"file {name!r}: not a safe storage name")
            continue
        path = src / FILES / name
        if not path.is_file():
            problems.append(f"file {name}: missing from the backup")
        elif described(path) != {"size": entry["size"], "sha256": entry["sha256"]}:
            problems.append(f"file {name}: size or sha256 differs from the manifest")
    return problems


def restore_backup(src: Path, *, using: str = "default") -> Restored:
    """Restore the backup folder `src` into the empty database `using` and
    empty storage, then check what was restored against the manifest."""
    started = time.monotonic()
    src = Path(src).absolute()
    manifest = load_manifest(src)
    conn = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != conn.vendor:
        raise BackupError(
            f"This is a backup of a {KINDS.get(vendor, vendor)} database and the target is "
            f"{KINDS.get(conn.vendor, conn.vendor)}: restoring across database kinds is not "
            "supported. Restore into the same kind of database."
        )
    problems = check_backup(src, manifest)
    if problems:
        raise BackupError(
            "The backup does not match its manifest; nothing was restored:\n  "
            + "\n  ".join(problems)
        )
    target = conn.settings_dict["NAME"]
    tables = conn.introspection.table_names()
    if tables:
        raise BackupError(
            f"The database {target} is not empty ({len(tables)} tables): restore only into "
            "an empty database (a new SQLITE_PATH, or a database made with createdb)."
        )
    present = all_stored_names()
    if present:
        raise BackupError(
            f"File storage is not empty ({len(present)} files, e.g. {present[0]}): restore "
            "only into empty storage (a new MEDIA_ROOT or bucket)."
        )
    dump = src / manifest["database"]["dump"]
    if vendor == "sqlite":
        restore_sqlite(dump, conn)
    else:
        tool = pg_tool("pg_restore", conn, at_least=manifest_pg_major(manifest))
        # One transaction: a restore that fails leaves the database empty. Owners
        # and grants name roles the new server may not have: re-grant after.
        arguments = ["--no-owner", "--no-privileges", "--single-transaction", str(dump)]
        run_pg(tool, conn.settings_dict, arguments)
    for entry in manifest["files"]:
        with open(src / FILES / entry["name"], "rb") as handle:
            saved = private_storage.save(entry["name"], File(handle))
        if saved != entry["name"]:
            raise BackupError(f"file {entry['name']}: storage kept it as {saved}")
    differences = check_restored(manifest, using)
    return Restored(manifest, str(target), round(time.monotonic() - started, 2), differences)


def manifest_pg_major(manifest: dict) -> int:
    found = re.search(r"(\d+)", manifest["database"]["tool"])
    return int(found.group(1)) if found else 0


def restore_sqlite(dump: Path, conn) -> None:
    """The backup API again, into the open (empty) database: page for page the
    backup's file, without replacing a file a connection may hold open."""
    conn.ensure_connection()
    with closing(sqlite3.connect(f"{dump.as_uri()}?mode=ro", uri=True)) as source:
        source.backup(conn.connection)


def check_restored(manifest: dict, using: str = "default") -> list[str]:
    """What the database `using` and the storage hold that differs from the
    manifest: rows per table, files and their sha256, and the access log's
    chain (verify_audit --expect-head with the head at backup time)."""
    conn = connections[using]
    differences = []
    with conn.cursor() as cursor:
        restored = read_snapshot(cursor, conn)
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(restored.tables)):
        if expected.get(table) != restored.tables.get(table):
            differences.append(
                f"table {table}: {restored.tables.get(table, 'no')} rows, "
                f"the backup had {expected.get(table, 'no table')}"
            )
    listed = {entry["name"]: entry for entry in manifest["files"]}
    for name in sorted(set(listed) | set(all_stored_names())):
        if name not in listed:
            differences.append(f"file {name}: in storage, not in the backup")
            continue
        try:
            with private_storage.open(name, "rb") as handle:
                size, sha256 = copy_hashed(handle)
        except FileNotFoundError:
            differences.append(f"file {name}: missing from storage")
            continue
        if (size, sha256) != (listed[name]["size"], listed[name]["sha256"]):
            differences.append(f"file {name}: sha256 differs from the backup's")
    head = manifest["access_log_head"]
    arguments = ["--expect-head", head["hash"]] if head else []
    try:
        call_command("verify_audit", *arguments, database=using, stdout=StringIO())
    except CommandError as error:
        differences.append(f"access log: {error}")
    return differences
