"""The real clock's sleep, with asyncio.sleep and time.monotonic replaced: nothing really waits."""

from __future__ import annotations

import asyncio

import pytest

from jupyterlite_auth import clock as clock_module
from jupyterlite_auth.clock import STEPPED_UP_TO, WAKE_STEP, SystemClock


@pytest.fixture
def recorded(monkeypatch):
    """asyncio.sleep as seen by the clock module: records each call and advances a fake monotonic."""
    now = [100.0]
    calls: list[float] = []

    async def fake_sleep(seconds):
        calls.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(clock_module.asyncio, "sleep", fake_sleep)
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: now[0])
    return calls


def test_a_wait_between_polls_wakes_every_quarter_second_so_an_interrupt_is_heard(recorded):
    asyncio.run(SystemClock().sleep(5.5))
    assert len(recorded) == 22 and all(step == WAKE_STEP for step in recorded)
    assert sum(recorded) == pytest.approx(5.5)


def test_the_last_step_is_what_remains(recorded):
    asyncio.run(SystemClock().sleep(0.6))
    assert recorded == pytest.approx([0.25, 0.25, 0.1])


def test_long_sleeps_of_the_token_keeper_are_one_sleep(recorded):
    asyncio.run(SystemClock().sleep(STEPPED_UP_TO + 1))
    assert recorded == [STEPPED_UP_TO + 1]


def test_pyodide_sleeps_in_one_go(recorded, monkeypatch):
    monkeypatch.setattr(clock_module.sys, "platform", "emscripten")
    asyncio.run(SystemClock().sleep(5.5))
    assert recorded == [5.5]


def test_negative_and_zero_sleeps_still_let_other_tasks_run(recorded):
    asyncio.run(SystemClock().sleep(-3))
    asyncio.run(SystemClock().sleep(0))
    assert recorded == [0.0, 0.0]
