"""Full-text search on PostgreSQL: a trigger keeps `search_vector` in step with the
paragraph and text (bulk inserts included), and a GIN index serves `search()`.
Nothing to do on SQLite, where `search()` falls back to substring matching."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION recommendation_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.paragraph, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.text, '')), 'B');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER recommendation_search_vector
    BEFORE INSERT OR UPDATE OF paragraph, text ON recommendations_recommendation
    FOR EACH ROW EXECUTE FUNCTION recommendation_search_vector_update();

UPDATE recommendations_recommendation SET text = text;

CREATE INDEX recommendation_search_gin
    ON recommendations_recommendation USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS recommendation_search_gin;
DROP TRIGGER IF EXISTS recommendation_search_vector ON recommendations_recommendation;
DROP FUNCTION IF EXISTS recommendation_search_vector_update();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0002_reference_data")]
    operations = [migrations.RunPython(forwards, backwards)]
