"""Cases created before the case file get its sections, and the facilitator and
coordinator groups of their team get the new confirm_finding grant."""

from django.db import migrations

# model name -> the related name on Case
SECTIONS = {
    "Decedent": "decedent",
    "DecedentIdentifiers": "identifiers",
    "DeathDetails": "death",
    "Circumstances": "circumstances",
}


def forward(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return  # a new database: Case.save() makes sections and grants
    for name, related_name in SECTIONS.items():
        model = apps.get_model("cases", name)
        for case in Case.objects.filter(**{f"{related_name}__isnull": True}):
            model.objects.create(case=case)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Grant = apps.get_model("cases", "CaseGroupObjectPermission")
    content_type, _ = ContentType.objects.get_or_create(app_label="cases", model="case")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="confirm_finding",
        defaults={"name": "Confirm proposed findings"},
    )
    for case in Case.objects.select_related("team"):
        for role in ("coordinator", "facilitator"):
            group = Group.objects.filter(name=f"team:{case.team.code}:role:{role}").first()
            if group:
                Grant.objects.get_or_create(group=group, permission=permission, content_object=case)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_file"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
