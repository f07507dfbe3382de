"""The migrations build exactly the schema the models declare: every column, with the same nullability."""
import pytest

from models.core.db import bind_database, database
from models.core.migrate import upgrade_database
from models.tables import ALL_TABLES


@pytest.fixture(params=["sqlite", "postgres"])
def migrated(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    bind_database(url)
    database.connect(reuse_if_open=True)
    upgrade_database()
    yield
    database.close()


def test_every_model_column_exists_with_its_nullability(migrated):
    problems = []
    for model in ALL_TABLES:
        table = model._meta.table_name
        actual = {column.name: column.null for column in database.get_columns(table)}
        declared = {field.column_name: field.null for field in model._meta.sorted_fields}
        for name, null in declared.items():
            if name not in actual:
                problems.append(f"{table}.{name} missing")
            elif name != "id" and actual[name] != null:
                problems.append(f"{table}.{name} null={actual[name]}, model says {null}")
        problems += [f"{table}.{name} not in the model" for name in actual.keys() - declared.keys()]
    assert problems == []
