"""The accident fine at the band edges and the tool compensation at the half-year edges (DOMAIN.md)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.commands import transaction
from engine.errors import Forbidden, ValidationFailed
from workflows.management import accountability_settings as settings
from workflows.management.calculators import accident_fine, full_half_years, tool_compensation


@pytest.mark.parametrize(("loss", "fine"), [
    ("0", "0.00"), ("500", "150.00"), ("500.01", "150.00"), ("2000", "525.00"), ("3000", "725.00"),
    ("5000", "1125.00"), ("10000", "1875.00"), ("20000", "2875.00"), ("600", "175.00"), ("500.04", "150.01"),
])
def test_accident_fine_is_progressive_over_the_bands(loss, fine):
    assert str(accident_fine(Decimal(loss)).fine) == fine


def test_each_band_shows_its_share():
    shares = accident_fine(Decimal(3000)).to_dict()["bands"]
    assert shares[:3] == [{"from": "0.00", "to": "500.00", "rate": "0.30", "amount": "150.00"},
                          {"from": "500.00", "to": "2000.00", "rate": "0.25", "amount": "375.00"},
                          {"from": "2000.00", "to": "5000.00", "rate": "0.20", "amount": "200.00"}]
    assert [s["amount"] for s in shares[3:]] == ["0.00", "0.00"] and shares[-1]["to"] is None


@pytest.mark.parametrize("loss", [Decimal(-1), Decimal("NaN"), Decimal("1.001"), Decimal("1e13")])
def test_a_loss_out_of_range_is_refused(loss):
    with pytest.raises(ValidationFailed) as refused:
        accident_fine(loss)
    assert "loss" in refused.value.errors


D = dt.date
BOUGHT = D(2026, 1, 15)


@pytest.mark.parametrize(("tool_class", "lost_on", "amount", "half_years", "rate"), [
    ("1", D(2026, 6, 14), "6000.00", 0, "1.00"),  # 5 months
    ("1", D(2026, 7, 14), "6000.00", 0, "1.00"),  # a day short of 6 months
    ("1", D(2026, 7, 15), "5400.00", 1, "0.90"),  # 6 months
    ("1", D(2027, 1, 15), "4800.00", 2, "0.80"),  # 12 months
    ("2", D(2026, 7, 15), "4800.00", 1, "0.80"),
    ("2", D(2027, 1, 15), "3600.00", 2, "0.60"),
    ("2", D(2028, 7, 15), "600.00", 5, "0.10"),  # 100 % less 5 × 20 % would be nothing: the 10 % floor
    ("1", D(2031, 7, 15), "600.00", 11, "0.10"),
    ("consumable", D(2026, 3, 1), "0.00", 0, "0.00"),
])
def test_tool_compensation(tool_class, lost_on, amount, half_years, rate):
    result = tool_compensation(Decimal(6000), tool_class, BOUGHT, lost_on).to_dict()
    assert result == {"amount": amount, "half_years": half_years, "rate": rate}


def test_the_manuals_laptop_example_and_normal_wear():
    assert tool_compensation(Decimal(6000), "1", D(2025, 1, 1), D(2026, 9, 1)).amount == Decimal("4200.00")
    assert tool_compensation(Decimal(6000), "1", D(2025, 1, 1), D(2026, 9, 1), normal_wear=True).amount == 0


def test_half_years_at_month_ends():
    assert full_half_years(D(2026, 8, 31), D(2027, 2, 28)) == 1
    assert full_half_years(D(2026, 8, 30), D(2027, 2, 27)) == 0


def test_tool_input_is_checked():
    with pytest.raises(ValidationFailed) as refused:
        tool_compensation(Decimal(10), "3", BOUGHT, BOUGHT)
    assert "tool_class" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        tool_compensation(Decimal(10), "1", BOUGHT, D(2025, 1, 1))
    assert "lost_on" in refused.value.errors


def test_the_bands_are_a_setting_a_process_owner_changes(users, clock):
    with transaction():
        settings.update("accident_fine_bands", "1000:0.5,:0.1", actor=users["owner1"], now=clock.now())
    assert accident_fine(Decimal(3000), settings.accident_bands()).fine == Decimal("700.00")
    for bad in ("1000:0.5,500:0.1", "1000:0.5", "x", "1000:2,:0.1"):
        with pytest.raises(ValidationFailed):
            settings.update("accident_fine_bands", bad, actor=users["owner1"], now=clock.now())
    with pytest.raises(Forbidden):
        settings.update("commission_target", "1", actor=users["manager1"], now=clock.now())
