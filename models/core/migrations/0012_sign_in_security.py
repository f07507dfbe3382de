"""Sign-in security: a session version per user (raising it ends the user's sessions), recent wrong passwords and
lock-outs per email, and a name and an optional expiry per API token."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('user', 'session_version', IntegerField(default=0)),
        migrator.add_column('api_token', 'name', CharField(max_length=100, default='')),
        migrator.add_column('api_token', 'expires_at', DateTimeField(null=True)),
    )

    class LoginThrottle(Model):
        email = CharField(max_length=254, unique=True)
        failures = IntegerField(default=0)
        last_failure_at = DateTimeField()
        locked_until = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'login_throttle'
    db.create_tables([LoginThrottle])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('login_throttle'))
    migrator.migrate(*(migrator.drop_column('api_token', column) for column in ('expires_at', 'name')))
    migrator.migrate(migrator.drop_column('user', 'session_version'))
