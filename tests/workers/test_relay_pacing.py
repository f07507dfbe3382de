"""The relay's wait between passes: short while rows trickle in, longer while they pour in, short again after."""
from workers.relay_pacing import BUSY_LINGER, QUIET_LINGER, Linger


def test_rows_trickling_in_keep_the_short_wait():
    pacing = Linger()
    waits = [pacing.after_pass(1, at / 10) for at in range(50)]  # 10 rows a second
    assert set(waits) == {QUIET_LINGER}


def test_rows_pouring_in_lengthen_the_wait_until_they_stop_for_a_second():
    pacing = Linger()
    waits = [pacing.after_pass(5, at / 50) for at in range(50)]  # 250 rows a second
    assert waits[0] == QUIET_LINGER and waits[-1] == BUSY_LINGER
    assert pacing.after_pass(0, 1.5) == BUSY_LINGER  # within the second: still counted
    assert pacing.after_pass(0, 2.5) == QUIET_LINGER  # a quiet second later


def test_a_fixed_linger_stays_fixed():
    pacing = Linger(quiet=0.3, busy=0.3)
    assert {pacing.after_pass(100, at / 10) for at in range(20)} == {0.3}
