"""Whose order reference is it: the intake scopes never coincide across kinds of submitter and are never empty."""
from models.intake.rules import channel_scope, ops_scope, partner_scope, submitter_scope


def test_a_partner_ops_for_the_same_id_and_a_channel_have_different_scopes():
    scopes = [partner_scope(7), ops_scope(7), channel_scope("7"), partner_scope(8), ops_scope(8), channel_scope("8")]
    assert len(set(scopes)) == len(scopes) and all(scopes)


def test_the_submitter_is_the_placing_partner_else_ops_for_the_customer():
    assert submitter_scope(placed_by_id=3, customer_id=9) == partner_scope(3)
    assert submitter_scope(placed_by_id=None, customer_id=9) == ops_scope(9)
