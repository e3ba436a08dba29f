# Decedent identifiers become encrypted at rest, history included: their
# columns become text, then every value already there is encrypted under the
# newest FIELD_ENCRYPTION_KEYS key (dates as ISO text), and the blind-index
# lookups of the case list's search are built from the values in clear.
# Backwards, the values are decrypted before the columns get their old types.

from datetime import date

import django.db.models.deletion
from django.db import migrations, models

import ofr.encryption
from cases.models.sections import IdentifierLookup, identifier_terms
from ofr.encryption import TOKEN_PREFIX, blind_index, decrypt, encrypt

COLUMNS = [
    "legal_name",
    "aliases",
    "date_of_birth",
    "residence_address",
    "me_case_number",
    "death_certificate_number",
]
TABLES = {"cases_decedentidentifiers": "id", "cases_historicaldecedentidentifiers": "history_id"}
BATCH = 500


def iso_dates(apps, schema_editor):
    # PostgreSQL writes a date cast to text in the session's DateStyle.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL DateStyle = 'ISO, YMD'")


def batches(schema_editor, table: str, key: str):
    """The table's rows (key first, then COLUMNS), a batch at a time, by key."""
    quote = schema_editor.quote_name
    columns = ", ".join(quote(name) for name in [key, *COLUMNS])
    select = (
        f"SELECT {columns} FROM {quote(table)} WHERE {quote(key)} > %s"  # noqa: S608
        f" ORDER BY {quote(key)} LIMIT {BATCH}"
    )
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]


def rewrite(schema_editor, convert) -> None:
    """Each identifier value of both tables through `convert` (empty ones stay)."""
    quote = schema_editor.quote_name
    for table, key in TABLES.items():
        sets = ", ".join(f"{quote(name)} = %s" for name in COLUMNS)
        update = f"UPDATE {quote(table)} SET {sets} WHERE {quote(key)} = %s"  # noqa: S608
        for rows in batches(schema_editor, table, key):
            params = [
                [
                    value if value in (None, "") else convert(name, value)
                    for name, value in zip(COLUMNS, values, strict=True)
                ]
                + [pk]
                for pk, *values in rows
            ]
            with schema_editor.connection.cursor() as cursor:
                cursor.executemany(update, params)


def to_token(name: str, value: str) -> str:
    if value.startswith(TOKEN_PREFIX):
        return value
    if name == "date_of_birth":
        value = date.fromisoformat(value).isoformat()
    return encrypt(value)


def to_plain(name: str, value: str) -> str:
    return decrypt(value) if value.startswith(TOKEN_PREFIX) else value


def plain(value: str | None) -> str:
    if not value:
        return ""
    return decrypt(value) if value.startswith(TOKEN_PREFIX) else value


def encrypt_identifiers(apps, schema_editor):
    Lookup = apps.get_model("cases", "IdentifierLookup")
    table, key = "cases_decedentidentifiers", "id"
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(key)}, case_id FROM {quote(table)}")  # noqa: S608
        cases = dict(cursor.fetchall())
    for rows in batches(schema_editor, table, key):
        lookups = []
        for pk, legal_name, aliases, born, _address, me_number, certificate in rows:
            names = [plain(legal_name), *plain(aliases).split(",")]
            born = plain(born)
            terms = identifier_terms(
                [name.strip() for name in names if name.strip()],
                date.fromisoformat(born) if born else None,
                plain(me_number),
                plain(certificate),
            )
            lookups += [
                Lookup(
                    case_id=cases[pk],
                    kind=kind,
                    digest=blind_index(IdentifierLookup.purpose(kind), value),
                )
                for kind, value in terms
            ]
        Lookup.objects.bulk_create(lookups)
    rewrite(schema_editor, to_token)


def decrypt_identifiers(apps, schema_editor):
    rewrite(schema_editor, to_plain)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_private_storage_callable"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdentifierLookup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("full_name", "Full name"),
                            ("first_last", "First and last name"),
                            ("last_name", "Last name"),
                            ("me_number", "ME/coroner case number"),
                            ("certificate_number", "Death certificate number"),
                            ("name_birth", "Name and date of birth"),
                        ],
                        max_length=20,
                    ),
                ),
                ("digest", models.CharField(max_length=64)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identifier_lookups",
                        to="cases.case",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["kind", "digest"], name="identifier_lookup")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "kind", "digest"), name="identifier_lookup_once"
                    )
                ],
            },
        ),
        migrations.RemoveIndex(
            model_name="decedentidentifiers",
            name="identifiers_legal_name",
        ),
        migrations.RunPython(iso_dates, migrations.RunPython.noop),
        *[
            migrations.AlterField(model_name=model, name=name, field=field)
            for model in ("decedentidentifiers", "historicaldecedentidentifiers")
            for name, field in [
                (
                    "legal_name",
                    ofr.encryption.EncryptedCharField(blank=True, max_length=200),
                ),
                (
                    "aliases",
                    ofr.encryption.EncryptedCharField(
                        blank=True, help_text="Other names, comma-separated.", max_length=300
                    ),
                ),
                ("date_of_birth", ofr.encryption.EncryptedDateField(blank=True, null=True)),
                (
                    "residence_address",
                    ofr.encryption.EncryptedCharField(blank=True, max_length=300),
                ),
                (
                    "me_case_number",
                    ofr.encryption.EncryptedCharField(
                        blank=True, max_length=50, verbose_name="ME/coroner case number"
                    ),
                ),
                (
                    "death_certificate_number",
                    ofr.encryption.EncryptedCharField(blank=True, max_length=50),
                ),
            ]
        ],
        migrations.RunPython(encrypt_identifiers, decrypt_identifiers),
    ]
