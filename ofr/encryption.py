"""Fields encrypted at rest, and keyed blind indexes to find rows by them.

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256, from `cryptography`)
under FIELD_ENCRYPTION_KEYS, newest first: the newest key encrypts, every key
decrypts, so keys rotate by putting a new key first and running
`manage.py rotate_field_keys`. The database, its dumps and its backups hold
only tokens; the keys live in the environment.

A token is random, so the database cannot compare or search encrypted
columns: such fields refuse every lookup but `isnull`. Rows are found through
blind indexes instead: `blind_index(purpose, text)` is an HMAC of a normalised
value under a key derived from an encryption key, stored beside the row and
compared for equality only.
"""

import hashlib
import hmac
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection, models, transaction
from django.dispatch import Signal

# Every token starts with this (the version byte 0x80, base64): a value
# without it was written in clear and is refused rather than shown as is.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    try:
        each = [Fernet(key) for key in keys]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key "
            "(32 random bytes, URL-safe base64: see README, Configuration)."
        ) from exc
    if not each:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return MultiFernet(each), each[0]


def keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(text: str) -> str:
    return _fernets(keys())[0].encrypt(text.encode()).decode()


MISSING_KEY = (
    "An encrypted value cannot be read with FIELD_ENCRYPTION_KEYS: a key that "
    "encrypted it is missing (keep retired keys after the first until "
    "`manage.py rotate_field_keys` has run)."
)


def decrypt(token: str) -> str:
    """The plain text of a token under any configured key."""
    try:
        return _fernets(keys())[0].decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(MISSING_KEY) from exc


def is_current(token: str) -> bool:
    """Whether the newest key encrypted this token (rotation skips it)."""
    try:
        _fernets(keys())[1].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same value encrypted under the newest key."""
    try:
        return _fernets(keys())[0].rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(MISSING_KEY) from exc


def _index_key(key: str, purpose: str) -> bytes:
    # A subkey per purpose, so that one purpose's digest says nothing of another's.
    return hmac.new(key.encode(), f"blind-index:{purpose}".encode(), hashlib.sha256).digest()


def blind_index(purpose: str, text: str, key: str | None = None) -> str:
    """HMAC-SHA256 of an already normalised value, under the newest key (or `key`)."""
    if key is None:
        _fernets(keys())  # refuses an empty or malformed FIELD_ENCRYPTION_KEYS
        key = keys()[0]
    subkey = _index_key(key, purpose)
    return hmac.new(subkey, text.encode(), hashlib.sha256).hexdigest()


def blind_indexes(purpose: str, text: str) -> list[str]:
    """The value's digest under every configured key, newest first: a search
    finds rows indexed before a rotation finished."""
    return [blind_index(purpose, text, key) for key in keys()]


class EncryptedMixin:
    """Stored as a token in a text column; read back as the field's Python value.

    Empty values stay empty (None or ""), so a blank field costs no token and
    forms and `isnull` work as before; a blank field's emptiness is all the
    column tells."""

    def get_internal_type(self) -> str:
        return "TextField"

    def plain(self, value) -> str:
        return str(value)

    def from_plain(self, text: str):
        return self.to_python(text)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if not value.startswith(TOKEN_PREFIX):
            raise ImproperlyConfigured(
                f"{self.model._meta.label}.{self.name} holds a value in clear; "
                "run the migrations that encrypt it."
            )
        return self.from_plain(decrypt(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(self.plain(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted: the database cannot compare it "
                f"({lookup_name!r}); search its blind index instead."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        # A transform (date_of_birth__year) would compare parts of the token.
        raise FieldError(
            f"{self.name} is encrypted: the database cannot read it "
            f"({lookup_name!r}); search its blind index instead."
        )


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A CharField whose max_length bounds the plain text (forms, validation);
    the column is text, since a token is longer than what it holds."""


class EncryptedDateField(EncryptedMixin, models.DateField):
    def plain(self, value: date) -> str:
        return value.isoformat()

    def from_plain(self, text: str) -> date:
        return date.fromisoformat(text)


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


# --- Key rotation (manage.py rotate_field_keys) ------------------------------

# Sent by rotate_field_keys before it re-encrypts: each receiver rebuilds what it
# derives under the newest key (blind indexes) and returns a sentence saying so.
field_keys_rotated = Signal()


def encrypted_models() -> dict[type[models.Model], list[models.Field]]:
    """Every model with encrypted columns (simple-history's included), with them."""
    found = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if fields:
            found[model] = fields
    return found


def _stored_tokens(model: type[models.Model], fields: list, batch_size: int):
    """The model's rows as stored, (pk, token or empty, ...), a batch at a time
    in key order: tokens, not values, and a value in clear is refused."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join([pk, *(quote(field.column) for field in fields)])
    last = None
    while True:
        after = "" if last is None else f"WHERE {pk} > %s"
        query = f"SELECT {columns} FROM {table} {after} ORDER BY {pk} LIMIT {int(batch_size)}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(query, [] if last is None else [last])
            rows = cursor.fetchall()
        if not rows:
            return
        for _pk, *tokens in rows:
            for field, token in zip(fields, tokens, strict=True):
                if token and not token.startswith(TOKEN_PREFIX):
                    raise ImproperlyConfigured(
                        f"{model._meta.label}.{field.name} holds a value in clear; "
                        "run the migrations that encrypt it."
                    )
        yield rows
        last = rows[-1][0]


def stale_count(model: type[models.Model], fields: list, batch_size: int = 1000) -> int:
    """How many of the model's values are not under the newest key (each of
    them readable under another, or ImproperlyConfigured)."""
    stale = 0
    for rows in _stored_tokens(model, fields, batch_size):
        for _pk, *tokens in rows:
            for token in tokens:
                if token and not is_current(token):
                    decrypt(token)
                    stale += 1
    return stale


def rotate_stored(
    model: type[models.Model], fields: list, batch_size: int = 500
) -> tuple[int, int]:
    """Re-encrypts under the newest key each of the model's values that is not.

    The values stay the same, so the record does not change: each row gets a
    raw UPDATE of just those columns (no save(), no history row, no signal),
    on condition that they still hold what was read. A row saved meanwhile
    already has new tokens and is skipped. Returns (values re-encrypted,
    rows skipped)."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    rotated = skipped = 0
    for rows in _stored_tokens(model, fields, batch_size):
        with transaction.atomic(), connection.cursor() as cursor:
            for key, *tokens in rows:
                old = {
                    field.column: token
                    for field, token in zip(fields, tokens, strict=True)
                    if token and not is_current(token)
                }
                if not old:
                    continue
                sets = ", ".join(f"{quote(column)} = %s" for column in old)
                same = " AND ".join(f"{quote(column)} = %s" for column in old)
                cursor.execute(
                    f"UPDATE {table} SET {sets} WHERE {pk} = %s AND {same}",  # noqa: S608
                    [*(rotate(token) for token in old.values()), key, *old.values()],
                )
                if cursor.rowcount:
                    rotated += len(old)
                else:
                    skipped += 1
    return rotated, skipped
