"""Snapshot every row that existed before audit history was switched on (migration 0004),
install the triggers on the article-tag table, and index the history contexts.

The state before a change is the previous event of the same row; rows written before the
triggers existed had none, so their first change could not be shown as before/after or undone.
"""

from django.db import migrations

TRACKED = [
    ("Tag", "TagEvent", "insert"),
    ("Article", "ArticleReviewEvent", "insert"),
    ("Entity", "EntityEvent", "insert"),
    ("EntityAlias", "EntityAliasEvent", "insert"),
    ("Mention", "MentionEvent", "insert"),
    ("Quote", "QuoteEvent", "insert"),
    ("Article_tags", "ArticleTagEvent", "tag.add"),
]


def snapshot_existing_rows(apps, schema_editor):
    for tracked_name, event_name, label in TRACKED:
        event = apps.get_model("articles", event_name)
        if tracked_name == "Article_tags":
            tracked_table = apps.get_model("articles", "Article")._meta.get_field("tags").m2m_db_table()
        else:
            tracked_table = apps.get_model("articles", tracked_name)._meta.db_table
        columns = [
            f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")
        ]
        quoted = ", ".join(f'"{c}"' for c in columns)
        selected = ", ".join(f't."{c}"' for c in columns)
        schema_editor.execute(
            f'INSERT INTO "{event._meta.db_table}" '
            f'(pgh_created_at, pgh_label, pgh_obj_id{", " if columns else ""}{quoted}) '
            f"SELECT NOW(), %s, t.id{', ' if columns else ''}{selected} "
            f'FROM "{tracked_table}" t WHERE NOT EXISTS ('
            f'SELECT 1 FROM "{event._meta.db_table}" e WHERE e.pgh_obj_id = t.id)',
            [label],
        )


def _tag_triggers():
    # Article.tags uses Django's auto-created through table, which migrations do not model, so
    # pgtrigger cannot add its triggers as migration operations: install the registered ones.
    import pgtrigger

    from articles.models import Article

    through = Article.tags.through
    return through, [trigger for model, trigger in pgtrigger.registered() if model is through]


def install_tag_triggers(apps, schema_editor):
    through, triggers = _tag_triggers()
    for trigger in triggers:
        trigger.install(through, database=schema_editor.connection.alias)


def uninstall_tag_triggers(apps, schema_editor):
    through, triggers = _tag_triggers()
    for trigger in triggers:
        trigger.uninstall(through, database=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_audit_history")]
    operations = [
        migrations.RunPython(install_tag_triggers, uninstall_tag_triggers),
        migrations.RunPython(snapshot_existing_rows, migrations.RunPython.noop),
        # The article page finds its change sets by the article (and entity) in their context.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS pgh_context_article ON pghistory_context "
            "((metadata->>'article'));"
            "CREATE INDEX IF NOT EXISTS pgh_context_entity ON pghistory_context "
            "((metadata->'entity'));",
            "DROP INDEX IF EXISTS pgh_context_article; DROP INDEX IF EXISTS pgh_context_entity;",
        ),
    ]
