"""Retry and time limits per kind of work, sized to what each stage waits on."""
from models.core.errors import BatchItemsFailed, CarrierRejected

# Database-only stages: a transient failure (lock timeout, failover) clears within seconds.
DATABASE_STAGE = {
    "max_retries": 6,
    "min_backoff": 500,        # ms
    "max_backoff": 30_000,     # ms
    "time_limit": 120_000,     # ms: a batch of orders, each its own transaction
    "throws": (BatchItemsFailed,),
}

# Carrier calls: outages last minutes; each attempt is bounded by the requests timeouts.
CARRIER_STAGE = {
    "max_retries": 10,
    "min_backoff": 2_000,
    "max_backoff": 300_000,
    "time_limit": 300_000,
    "throws": (BatchItemsFailed, CarrierRejected),
}

# Mail through the SMTP relay: a relay outage can last minutes; each attempt has the mailer's own timeout.
MAIL_STAGE = {
    "max_retries": 8,
    "min_backoff": 5_000,
    "max_backoff": 600_000,
    "time_limit": 120_000,
    "throws": (BatchItemsFailed,),
}

# A forecast run: every series in one go (a minute for thousands); a failed run is simply retried a few times and
# the next scheduled run starts afresh anyway.
PLANNING_STAGE = {
    "max_retries": 3,
    "min_backoff": 10_000,
    "max_backoff": 300_000,
    "time_limit": 900_000,
    "throws": (BatchItemsFailed,),
}

# Webhook posts: a receiver's failure is recorded and retried on its schedule through the database, so a message is
# retried only for database trouble; each post is bounded by OMS_WEBHOOK_TIMEOUT_SECONDS.
WEBHOOK_STAGE = {
    "max_retries": 3,
    "min_backoff": 2_000,
    "max_backoff": 60_000,
    "time_limit": 300_000,
    "throws": (BatchItemsFailed,),
}
