"""Default dispatch: the customer's region picks the team, the least-loaded engineer is suggested."""
from __future__ import annotations

import pytest

from engine import commands
from engine.commands import transaction
from engine.identity import get_user
from tests.workflows.flowkit import complete
from workflows.records.dispatch import region_team, suggest_engineer


@pytest.mark.parametrize(("region", "team"), [
    ("四川", "south_west"), ("重庆", "south_west"), ("云南", "south_west"), ("贵州", "south_west"),
    ("华北", "north"), ("东北", "north"), ("北京", "north"), ("河北", "north"), ("内蒙古", "north"),
    ("黑龙江", "north"), ("广东", "general"), ("上海", "general"), ("西藏", "general"), ("", "general"),
])
def test_region_teams(region, team):
    assert region_team(region) == team


def test_least_loaded_engineer_of_the_team_is_suggested(flows, actors):
    assert suggest_engineer("四川") == "eng_sw1"  # tie: first by name
    for _ in range(2):  # give eng_sw1 two open tasks
        case = commands.start_instance(process_id="tech_support", data={
            "customer_id": flows.sw, "question": "?", "assigned_engineer": "eng_sw1"}, actor=actors["sales1"])
    assert suggest_engineer("重庆") == "eng_sw2"
    complete(case, "answer", actors["eng_sw1"])
    commands.start_instance(process_id="tech_support", data={"customer_id": flows.cq, "question": "?"},
                            actor=actors["sales1"])  # goes to eng_sw2: now one each
    assert suggest_engineer("四川") == "eng_sw1"
    assert suggest_engineer("黑龙江") == "eng_n1" and suggest_engineer("浙江") == "eng_g1"


def test_inactive_engineers_are_skipped_and_an_empty_team_falls_back(flows, actors):
    with transaction():
        get_user("eng_n1").active = False
    assert suggest_engineer("北京") == "eng_g1"  # the north team is empty: anyone, fewest tasks, by name
