"""Knob checks, the per-process concurrency gate, reproducible randomness, dropped answers."""

from __future__ import annotations

import pytest

from bigin_ui.sandbox import faults


def test_defaults_mean_no_faults():
    knobs = faults.effective({})
    assert (knobs["rate_429"], knobs["rate_500"], knobs["rate_drop"], knobs["latency_ms"],
            knobs["max_concurrency"]) == (0.0, 0.0, 0.0, 0, 0)


def test_stored_knobs_override_defaults():
    assert faults.effective({"latency_ms": 5})["latency_ms"] == 5


def test_unknown_knob_is_refused():
    with pytest.raises(faults.KnobError) as caught:
        faults.clean_knobs({"speed": 1})
    assert caught.value.knob == "speed"


@pytest.mark.parametrize(("knob", "value"), [
    ("rate_500", 1.5), ("rate_429", -0.1), ("rate_drop", "0.5"), ("latency_ms", -1),
    ("max_concurrency", 1.5), ("multi_status", 200), ("strict_picklists", "yes"),
    ("token_ttl_seconds", 0), ("drop_mode", "sometimes"), ("seed", "7"), ("expire_tokens", 1),
])
def test_bad_knob_values_are_refused(knob, value):
    with pytest.raises(faults.KnobError):
        faults.clean_knobs({knob: value})


def test_good_knob_values_are_typed():
    assert faults.clean_knobs({"rate_500": 1, "latency_ms": 20.0, "multi_status": 207}) == {
        "rate_500": 1.0, "latency_ms": 20, "multi_status": 207}


def test_gate_refuses_past_its_limit():
    gate = faults.Gate()
    assert gate.enter(2) == 1 and gate.enter(2) == 2
    assert gate.enter(2) is None


def test_gate_frees_a_place_on_leave():
    gate = faults.Gate()
    gate.enter(1)
    gate.leave()
    assert gate.enter(1) == 1


def test_gate_without_limit_never_refuses():
    gate = faults.Gate()
    assert [gate.enter(0) for _ in range(50)][-1] == 50


def test_seeded_rolls_repeat_when_the_seed_is_set_again():
    first = [faults.roll({"seed": 7, "_seed_version": "a"}, 0.5) for _ in range(20)]
    second = [faults.roll({"seed": 7, "_seed_version": "b"}, 0.5) for _ in range(20)]
    assert first == second


def test_seeded_rolls_go_on_while_the_seed_stays():
    first = [faults.roll({"seed": 7, "_seed_version": "c"}, 0.5) for _ in range(20)]
    second = [faults.roll({"seed": 7, "_seed_version": "c"}, 0.5) for _ in range(20)]
    assert first != second


def test_private_keys_are_hidden_from_clients():
    assert faults.public(faults.effective({"_seed_version": "x"})) == faults.KNOB_DEFAULTS


def test_rate_bounds_are_certain():
    assert faults.roll({}, 1.0) and not faults.roll({}, 0.0)


def test_no_socket_is_found_in_a_plain_environ():
    assert faults.client_socket({"wsgi.input": object()}) is None
