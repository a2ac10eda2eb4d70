from services.launcher.backoff import Backoff


def test_delays_double_up_to_the_maximum() -> None:
    backoff = Backoff()
    assert [backoff.delay_after(0.1) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_long_run_starts_the_sequence_over() -> None:
    backoff = Backoff(stable_after=60)
    assert [backoff.delay_after(1) for _ in range(3)] == [1, 2, 4]
    assert backoff.delay_after(61) == 1
    assert backoff.delay_after(1) == 2
