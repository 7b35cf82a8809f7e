"""Circuit breakers: exact thresholds, warnings, cooldowns, resets, kill switch, listeners."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from risk_helpers import START, FakeClock, snap

from risk_management.real_time.circuit_breaker import (
    BreakerConfig,
    BreakerRegistry,
    BreakerStatus,
    BreakerType,
    CircuitBreakerError,
    CircuitBreakerFacade,
    CooldownActiveError,
    DrawdownBreaker,
    get_breaker_registry,
)
from risk_management.real_time.circuit_breaker.base import BaseBreaker
from risk_management.real_time.circuit_breaker.events import AuditTrail


def facade(clock: FakeClock, *configs: BreakerConfig) -> CircuitBreakerFacade:
    return CircuitBreakerFacade(configs, clock=clock, registry=BreakerRegistry())


# --------------------------------------------------------------------------- thresholds


def test_drawdown_trips_exactly_at_threshold(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    assert cb.evaluate(snap(100.0)).trading_allowed
    just_below = cb.evaluate(snap(90.01))
    assert just_below.trading_allowed
    assert just_below.checks[0].status is BreakerStatus.WARNING  # 9.99 % >= 8 %
    at = cb.evaluate(snap(90.0))
    assert not at.trading_allowed
    assert at.tripped == ("drawdown",)
    assert at.checks[0].value == pytest.approx(0.10)
    [event] = at.events
    assert event.tripped
    assert (event.previous, event.status) == (BreakerStatus.WARNING, BreakerStatus.TRIPPED)


def test_drawdown_measures_from_the_high_water_mark(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    for equity in (100.0, 120.0, 110.0):
        result = cb.evaluate(snap(equity))
    assert result.checks[0].value == pytest.approx(10 / 120)
    assert cb.evaluate(snap(108.0)).tripped == ("drawdown",)  # 12 / 120 = 10 %


def test_warning_starts_at_warning_ratio(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DAILY_LOSS, 0.05, warning_ratio=0.5))
    assert cb.evaluate(snap(97.6, start_of_day=100.0)).checks[0].status is BreakerStatus.ARMED
    result = cb.evaluate(snap(97.5, start_of_day=100.0))
    assert result.checks[0].status is BreakerStatus.WARNING
    assert result.warnings == ("daily_loss",)
    assert cb.evaluate(snap(95.0, start_of_day=100.0)).tripped == ("daily_loss",)


def test_daily_loss_uses_first_snapshot_of_each_day(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DAILY_LOSS, 0.05, auto_reset=True))
    cb.evaluate(snap(200.0))
    assert cb.evaluate(snap(190.0, at=START + timedelta(hours=1))).tripped  # 5 % of 200
    clock.advance(3600)
    next_day = START + timedelta(days=1)
    cb.evaluate(snap(190.0, at=next_day))
    assert cb.status()["daily_loss"] is BreakerStatus.ARMED  # new day, new opening equity


def test_rapid_loss_only_counts_losses_inside_the_window(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.RAPID_LOSS, 0.02, window_seconds=60))
    cb.evaluate(snap(100.0, at=START))
    # 2 % down, but the 100 peak is 61 s old and has left the window.
    cb.evaluate(snap(99.0, at=START + timedelta(seconds=30)))
    result = cb.evaluate(snap(98.0, at=START + timedelta(seconds=61)))
    assert result.checks[0].value == pytest.approx(1 / 99)
    assert result.trading_allowed
    result = cb.evaluate(snap(97.02, at=START + timedelta(seconds=80)))  # 2 % of 99
    assert result.tripped == ("rapid_loss",)


def test_volatility_is_sample_std_of_snapshot_returns(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.VOLATILITY, 0.05, lookback=3))
    values = []
    for equity in (100.0, 110.0, 99.0, 108.9):  # returns +10 %, -10 %, +10 %
        values.append(cb.evaluate(snap(equity)).checks[0].value)
    assert values[:2] == [0.0, 0.0]  # fewer than two returns
    assert values[2] == pytest.approx(0.1414213562, rel=1e-9)  # std(0.1, -0.1)
    assert values[3] == pytest.approx(0.1154700538, rel=1e-9)  # std(0.1, -0.1, 0.1)
    assert cb.status()["volatility"] is BreakerStatus.TRIPPED


def test_consecutive_losses_counts_a_streak(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.CONSECUTIVE_LOSSES, 3))
    assert cb.evaluate(snap(100.0, pnls=(-1.0, -2.0, 5.0, -1.0))).checks[0].value == 1.0
    assert cb.evaluate(snap(100.0, pnls=(-1.0,))).checks[0].value == 2.0
    assert cb.evaluate(snap(100.0, pnls=(-3.0,))).tripped == ("consecutive_losses",)


def test_concentration_and_leverage(clock: FakeClock) -> None:
    cb = facade(
        clock,
        BreakerConfig(BreakerType.POSITION_CONCENTRATION, 0.25),
        BreakerConfig(BreakerType.LEVERAGE, 2.0),
    )
    book = {"AAPL": 25_000.0, "MSFT": -20_000.0, "TSLA": 10_000.0}
    result = cb.evaluate(snap(100_000.0, positions=book))
    assert [c.value for c in result.checks] == pytest.approx([0.25, 0.55])
    assert result.tripped == ("position_concentration",)
    assert "AAPL" in result.events[0].message
    levered = {"AAPL": 50_000.0, "MSFT": -150_000.0}
    assert "leverage" in cb.evaluate(snap(100_000.0, positions=levered)).tripped
    wiped_out = cb.evaluate(snap(0.0, positions={"AAPL": 1.0}))
    assert wiped_out.checks[1].value == float("inf")


def test_disabled_breaker_never_trips(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.01, enabled=False))
    cb.evaluate(snap(100.0))
    result = cb.evaluate(snap(1.0))
    assert result.trading_allowed
    assert result.checks[0].status is BreakerStatus.DISABLED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("threshold", 0.0),
        ("threshold", float("nan")),
        ("warning_ratio", 1.5),
        ("cooldown_seconds", -1.0),
        ("lookback", 1),
        ("window_seconds", 0.0),
    ],
)
def test_config_rejects_nonsense(field: str, value: float) -> None:
    kwargs = {"threshold": 0.1, field: value}
    with pytest.raises(CircuitBreakerError):
        BreakerConfig(BreakerType.DRAWDOWN, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- cooldown and reset


def test_tripped_breaker_holds_until_reset_after_cooldown(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10, cooldown_seconds=300))
    cb.evaluate(snap(100.0))
    cb.evaluate(snap(85.0))
    # Recovery alone does not re-arm: auto_reset is off.
    assert not cb.evaluate(snap(100.0)).trading_allowed
    clock.advance(299)
    with pytest.raises(CooldownActiveError) as raised:
        cb.reset("drawdown")
    assert raised.value.remaining_seconds == pytest.approx(1.0)
    clock.advance(1)
    event = cb.reset("drawdown")
    assert event is not None
    assert (event.previous, event.status) == (BreakerStatus.TRIPPED, BreakerStatus.ARMED)
    assert cb.trading_allowed
    assert cb.reset("drawdown") is None  # nothing to reset


def test_forced_reset_during_cooldown(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    cb.evaluate(snap(100.0))
    cb.evaluate(snap(80.0))
    event = cb.reset("drawdown", force=True)
    assert event is not None
    assert "forced" in event.message
    assert cb.trading_allowed


def test_auto_reset_waits_for_cooldown_and_recovery(clock: FakeClock) -> None:
    config = BreakerConfig(BreakerType.DRAWDOWN, 0.10, cooldown_seconds=60, auto_reset=True)
    cb = facade(clock, config)
    cb.evaluate(snap(100.0))
    cb.evaluate(snap(90.0))
    clock.advance(59)
    assert not cb.evaluate(snap(99.0)).trading_allowed  # recovered, still cooling down
    clock.advance(1)
    assert not cb.evaluate(snap(89.0)).trading_allowed  # cooled down, not recovered
    result = cb.evaluate(snap(95.0))  # 5 % drawdown: below the 8 % warning level
    assert result.trading_allowed
    assert result.events[0].status is BreakerStatus.ARMED


def test_reset_all_respects_each_cooldown(clock: FakeClock) -> None:
    cb = facade(
        clock,
        BreakerConfig(BreakerType.DRAWDOWN, 0.10, cooldown_seconds=10),
        BreakerConfig(BreakerType.DAILY_LOSS, 0.05, cooldown_seconds=100),
    )
    cb.evaluate(snap(100.0, start_of_day=100.0))
    cb.evaluate(snap(80.0, start_of_day=100.0))
    clock.advance(10)
    assert [e.breaker_name for e in cb.reset_all()] == ["drawdown"]
    assert cb.status() == {"drawdown": BreakerStatus.ARMED, "daily_loss": BreakerStatus.TRIPPED}
    assert [e.breaker_name for e in cb.reset_all(force=True)] == ["daily_loss"]


def test_kill_switch_stops_everything_until_released(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.5))
    event = cb.engage_kill_switch("fat finger on desk 3")
    assert event is not None
    assert event.tripped
    assert "fat finger" in event.message
    assert not cb.evaluate(snap(100.0)).trading_allowed
    with pytest.raises(CircuitBreakerError, match="release"):
        cb.reset("manual_kill_switch", force=True)
    cb.release_kill_switch()
    assert cb.evaluate(snap(100.0)).trading_allowed


def test_unknown_breaker_names_are_explained(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.1))
    with pytest.raises(CircuitBreakerError, match="known: drawdown"):
        cb.reset("drawdwn")
    with pytest.raises(CircuitBreakerError, match="already exists"):
        cb.add(BreakerConfig(BreakerType.DRAWDOWN, 0.2))
    cb.add(BreakerConfig(BreakerType.DRAWDOWN, 0.2, name="drawdown_hard"))
    cb.remove("drawdown")
    assert [b.name for b in cb.breakers] == ["drawdown_hard"]


# --------------------------------------------------------------------------- registry


def test_registry_builds_only_what_is_configured() -> None:
    registry = BreakerRegistry()
    assert not registry.is_loaded(BreakerType.VOLATILITY)
    breaker = registry.create(BreakerConfig(BreakerType.DRAWDOWN, 0.1))
    assert isinstance(breaker, DrawdownBreaker)
    assert registry.is_loaded(BreakerType.DRAWDOWN)
    assert not registry.is_loaded(BreakerType.VOLATILITY)


def test_registry_accepts_custom_breakers() -> None:
    class AlwaysHalf(BaseBreaker):
        breaker_type = BreakerType.LEVERAGE

        def measure(self, snapshot: object) -> float:
            return 0.5

    registry = BreakerRegistry()
    with pytest.raises(CircuitBreakerError, match="already registered"):
        registry.register(BreakerType.LEVERAGE, AlwaysHalf)
    registry.register(BreakerType.LEVERAGE, AlwaysHalf, replace=True)
    cb = CircuitBreakerFacade([BreakerConfig(BreakerType.LEVERAGE, 0.5)], registry=registry)
    assert cb.evaluate(snap(1.0)).tripped == ("leverage",)
    with pytest.raises(CircuitBreakerError, match="no breaker registered"):
        BreakerRegistry({}).resolve(BreakerType.DRAWDOWN)


def test_breaker_rejects_a_config_of_another_type() -> None:
    with pytest.raises(CircuitBreakerError, match="implements 'drawdown'"):
        DrawdownBreaker(BreakerConfig(BreakerType.LEVERAGE, 1.0))


def test_shared_registry_is_one_object() -> None:
    assert get_breaker_registry() is get_breaker_registry()


# --------------------------------------------------------------------------- events


def test_audit_trail_and_sync_listeners(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    seen = []
    cb.add_listener(seen.append)
    cb.evaluate(snap(100.0))
    cb.evaluate(snap(91.0))
    cb.evaluate(snap(80.0))
    cb.reset("drawdown", force=True)
    statuses = [e.status for e in cb.audit_trail.events()]
    assert statuses == [BreakerStatus.WARNING, BreakerStatus.TRIPPED, BreakerStatus.ARMED]
    assert seen == list(cb.audit_trail.events())
    assert cb.audit_trail.events("other") == ()
    cb.remove_listener(seen.append)
    cb.evaluate(snap(50.0))
    assert len(seen) == 3


def test_a_failing_listener_does_not_stop_the_others(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    seen = []

    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    cb.add_listener(broken)
    cb.add_listener(seen.append)
    cb.evaluate(snap(100.0))
    result = cb.evaluate(snap(80.0))
    assert seen == list(result.events)
    assert cb.listener_errors == 1


def test_async_listeners_are_awaited_by_evaluate_async(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    seen = []

    async def listener(event: object) -> None:
        await asyncio.sleep(0)
        seen.append(event)

    async def run() -> None:
        await cb.evaluate_async(snap(100.0))
        result = await cb.evaluate_async(snap(80.0))
        assert seen == list(result.events)

    cb.add_async_listener(listener)
    asyncio.run(run())


def test_sync_evaluate_runs_async_listeners(clock: FakeClock) -> None:
    cb = facade(clock, BreakerConfig(BreakerType.DRAWDOWN, 0.10))
    seen = []

    async def listener(event: object) -> None:
        seen.append(event)

    cb.add_async_listener(listener)
    cb.evaluate(snap(100.0))
    result = cb.evaluate(snap(80.0))  # no loop running: run on a loop of its own
    assert seen == list(result.events)

    async def inside_a_loop() -> None:
        cb.reset("drawdown", force=True)  # a loop is running: scheduled as a task
        assert len(seen) == 1
        await asyncio.sleep(0)
        assert len(seen) == 2

    asyncio.run(inside_a_loop())


def test_events_reach_the_sink(clock: FakeClock) -> None:
    class Sink:
        def __init__(self) -> None:
            self.events: list[object] = []

        def record(self, event: object) -> None:
            self.events.append(event)

    sink = Sink()
    cb = CircuitBreakerFacade(
        [BreakerConfig(BreakerType.DRAWDOWN, 0.1)],
        clock=clock,
        sink=sink,  # type: ignore[arg-type]
    )
    cb.evaluate(snap(100.0))
    cb.evaluate(snap(50.0))
    assert sink.events == list(cb.audit_trail.events())


def test_audit_trail_is_bounded() -> None:
    trail = AuditTrail(maxlen=2)
    config = BreakerConfig(BreakerType.CONSECUTIVE_LOSSES, 1, cooldown_seconds=0, auto_reset=True)
    cb = CircuitBreakerFacade([config])
    for pnl in (-1.0, 1.0, -1.0):
        for event in cb.evaluate(snap(1.0, pnls=(pnl,))).events:
            trail.append(event)
    assert len(trail) == 2
    assert [e.status for e in trail.events()] == [BreakerStatus.ARMED, BreakerStatus.TRIPPED]
