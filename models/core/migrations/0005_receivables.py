"""Receivables: invoices, payments and what each payment settled. Every partner's existing outstanding
balance becomes its opening-balance invoice OPEN-<code> (a credit balance: an unapplied opening payment)."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from peewee import *

OPENING_CURRENCY = 'USD'


def up(migrator, db):
    class Partner(Model):
        code = CharField(unique=True, max_length=64)
        payment_terms_days = IntegerField(default=30)
        outstanding_balance = DecimalField(max_digits=14, decimal_places=2, default=0)
        class Meta:
            database = db
            table_name = 'partner'

    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class Invoice(Model):
        number = CharField(unique=True, max_length=80)
        customer = ForeignKeyField(Partner, on_delete='RESTRICT', index=False)
        order = ForeignKeyField(Order, null=True, unique=True, on_delete='RESTRICT')
        currency = CharField(max_length=3)
        amount = DecimalField(max_digits=14, decimal_places=2)
        paid = DecimalField(max_digits=14, decimal_places=2, default=0)
        issued_at = DateTimeField()
        due_on = DateField()
        status = CharField(max_length=8, default='open')
        class Meta:
            database = db
            table_name = 'invoice'
            constraints = (SQL('CHECK (amount >= 0)'), SQL('CHECK (paid >= 0)'), SQL('CHECK (paid <= amount)'),
                           SQL("CHECK (status IN ('open', 'paid'))"))
            indexes = ((('customer', 'status', 'due_on'), False),)

    class Payment(Model):
        customer = ForeignKeyField(Partner, on_delete='RESTRICT', index=False)
        reference = CharField(max_length=64)
        amount = DecimalField(max_digits=14, decimal_places=2)
        currency = CharField(max_length=3)
        method = CharField(max_length=16)
        received_on = DateField()
        unapplied = DecimalField(max_digits=14, decimal_places=2, default=0)
        created_by = CharField(max_length=254)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'payment'
            constraints = (SQL('CHECK (amount > 0)'), SQL('CHECK (unapplied >= 0)'), SQL('CHECK (unapplied <= amount)'))
            indexes = ((('customer', 'reference'), True), (('customer', 'received_on'), False))

    class PaymentApplication(Model):
        payment = ForeignKeyField(Payment, on_delete='CASCADE', index=False)
        invoice = ForeignKeyField(Invoice, on_delete='RESTRICT')
        amount = DecimalField(max_digits=14, decimal_places=2)
        applied_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'payment_application'
            constraints = (SQL('CHECK (amount > 0)'),)
            indexes = ((('payment', 'invoice'), True),)

    db.create_tables([Invoice, Payment, PaymentApplication])

    now = datetime.now(UTC).replace(tzinfo=None)
    for partner in Partner.select().where(Partner.outstanding_balance != 0).order_by(Partner.id):
        balance = Decimal(str(partner.outstanding_balance)).quantize(Decimal('0.01'))
        if balance > 0:
            Invoice.create(number=f'OPEN-{partner.code}', customer=partner.id, currency=OPENING_CURRENCY,
                           amount=balance, paid=0, issued_at=now, status='open',
                           due_on=now.date() + timedelta(days=partner.payment_terms_days))
        else:
            Payment.create(customer=partner.id, reference='OPENING-CREDIT', amount=-balance,
                           currency=OPENING_CURRENCY, method='other', received_on=now.date(),
                           unapplied=-balance, created_by='migration 0005', created_at=now)


def down(migrator, db):
    migrator.migrate(migrator.drop_table('payment_application'))
    migrator.migrate(migrator.drop_table('payment'))
    migrator.migrate(migrator.drop_table('invoice'))
