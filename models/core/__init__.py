"""Infrastructure every context stands on: database, settings, migrations, errors, outbox, stages, state-machine
registry, transitions, audit, versioned rule sets, mail, rate limits. Imports no context."""
