"""Issue 14 item 3 (places part): ``facts.places`` holds real place names or nothing ("多次找村" was one)."""

from __future__ import annotations

import pytest

from brain.agents.intake.extract import extract_places


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("我多次找村里反映都没用", []),
        ("我去找村委会，村干部说不管", []),
        ("他是我们村民小组的组长", []),
        ("枫桥镇东街村的宅基地被邻居占了", ["枫桥镇东街村"]),
        ("我家在和平村，隔壁是向阳村", ["和平村", "向阳村"]),
        ("浙江省诸暨市枫桥镇", ["浙江省诸暨市枫桥镇"]),
    ],
)
def test_places_are_place_names(text: str, places: list[str]) -> None:
    assert extract_places(text) == places
