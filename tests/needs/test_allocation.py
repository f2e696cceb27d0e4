"""The needs-based sharing rule on its own: whole pounds that add up to exactly the pot, for any valid input."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needs.allocation import AllocationInputError, Indicator, allocate

WEST_MIDLANDS = ["Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall", "Wolverhampton"]

amounts = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def valid_inputs(draw):
    areas = [f"Area {n}" for n in range(draw(st.integers(min_value=1, max_value=12)))]
    count = draw(st.integers(min_value=1, max_value=5))
    indicator_weights = draw(
        st.lists(weights, min_size=count, max_size=count).filter(lambda ws: any(w > 0 for w in ws))
    )
    indicators = [
        Indicator(weight=w, values={a: draw(st.one_of(st.just(Decimal(0)), amounts)) for a in areas})
        for w in indicator_weights
    ]
    pot = Decimal(draw(st.integers(min_value=0, max_value=10_000_000)))
    return pot, areas, indicators


@settings(max_examples=300, deadline=None)
@given(valid_inputs())
def test_the_shares_add_up_to_exactly_the_pot_and_are_never_negative(inputs):
    pot, areas, indicators = inputs
    shares = allocate(pot, areas, indicators)
    assert list(shares) == areas
    assert all(type(s) is int and s >= 0 for s in shares.values())
    assert sum(shares.values()) == pot


@settings(max_examples=200, deadline=None)
@given(valid_inputs(), st.data())
def test_an_area_with_more_need_on_every_indicator_never_gets_less(inputs, data):
    pot, areas, indicators = inputs
    if len(areas) < 2:
        return
    low, high = data.draw(st.sampled_from([(0, 1), (1, 0)]))
    # Make one area strictly needier than another on every indicator, wherever each sits in the tie-break order.
    bumped = []
    for i in indicators:
        values = dict(i.values)
        values[areas[high]] = values[areas[low]] + data.draw(
            st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2)
        )
        bumped.append(Indicator(weight=i.weight, values=values))
    shares = allocate(pot, areas, bumped)
    assert shares[areas[high]] >= shares[areas[low]]


def test_equal_indicators_split_the_pot_equally_to_within_a_pound():
    shares = allocate(
        Decimal("100"),
        WEST_MIDLANDS,
        [Indicator(weight=Decimal(1), values={a: Decimal(5) for a in WEST_MIDLANDS})],
    )
    assert sum(shares.values()) == 100
    assert max(shares.values()) - min(shares.values()) == 1
    # 100 / 7 = 14 r 2: the two pounds left go to the first two areas listed.
    assert shares == {
        "Birmingham": 15,
        "Coventry": 15,
        "Dudley": 14,
        "Sandwell": 14,
        "Solihull": 14,
        "Walsall": 14,
        "Wolverhampton": 14,
    }


def test_a_single_indicator_shares_the_pot_in_proportion():
    shares = allocate(
        Decimal("1000"),
        ["A", "B", "C"],
        [Indicator(weight=Decimal("0.4"), values={"A": Decimal(1), "B": Decimal(3), "C": Decimal(6)})],
    )
    assert shares == {"A": 100, "B": 300, "C": 600}


def test_weights_blend_each_indicators_shares():
    # Population favours A 3:1; referrals favour B 3:1; weighted 3 to 1 the result is A 62.5%, B 37.5%.
    shares = allocate(
        Decimal("800"),
        ["A", "B"],
        [
            Indicator(weight=Decimal("0.75"), values={"A": Decimal(300), "B": Decimal(100)}),
            Indicator(weight=Decimal("0.25"), values={"A": Decimal(1), "B": Decimal(3)}),
        ],
    )
    assert shares == {"A": 500, "B": 300}


def test_the_largest_remainders_get_the_left_over_pounds():
    # Quotas 33.33, 33.33, 33.34 of £100 → 33 each, and the one pound left goes to C's larger remainder.
    shares = allocate(
        Decimal("100"),
        ["A", "B", "C"],
        [
            Indicator(
                weight=Decimal(1), values={"A": Decimal("3333"), "B": Decimal("3333"), "C": Decimal("3334")}
            )
        ],
    )
    assert shares == {"A": 33, "B": 33, "C": 34}


def test_an_indicator_that_is_zero_everywhere_is_left_out():
    with_blank = allocate(
        Decimal("900"),
        ["A", "B"],
        [
            Indicator(weight=Decimal("0.5"), values={"A": Decimal(2), "B": Decimal(1)}),
            Indicator(weight=Decimal("0.5"), values={"A": Decimal(0), "B": Decimal(0)}),
        ],
    )
    assert with_blank == {"A": 600, "B": 300}


def test_with_no_values_at_all_the_pot_is_split_equally():
    assert allocate(Decimal("10"), ["A", "B"], [Indicator(weight=Decimal(1), values={})]) == {"A": 5, "B": 5}


def test_the_2024_25_idva_pot_is_shared_between_the_seven_local_authorities_to_the_pound():
    # Illustrative indicator values: female population (rounded), MARAC referrals, recorded caseload.
    population = dict(
        zip(
            WEST_MIDLANDS,
            map(Decimal, [578000, 171000, 163000, 171000, 110000, 143000, 133000]),
            strict=False,
        )
    )
    marac = dict(zip(WEST_MIDLANDS, map(Decimal, [4100, 1250, 980, 1300, 520, 1010, 990]), strict=False))
    demand = dict(zip(WEST_MIDLANDS, map(Decimal, [2100, 610, 450, 700, 240, 520, 480]), strict=False))
    shares = allocate(
        Decimal("675814"),
        WEST_MIDLANDS,
        [
            Indicator(weight=Decimal("0.4"), values=population),
            Indicator(weight=Decimal("0.3"), values=marac),
            Indicator(weight=Decimal("0.3"), values=demand),
        ],
    )
    assert sum(shares.values()) == 675814
    assert shares["Birmingham"] == max(shares.values())
    assert shares["Solihull"] == min(shares.values())


@pytest.mark.parametrize(
    "pot, message",
    [
        (Decimal("100.50"), "whole pounds"),
        (Decimal("-1"), "0 or more"),
        (Decimal("NaN"), "must be a number"),
        (100.0, "not float"),
    ],
)
def test_a_pot_that_is_not_whole_pounds_of_zero_or_more_is_refused(pot, message):
    with pytest.raises(AllocationInputError, match=message):
        allocate(pot, ["A"], [Indicator(weight=Decimal(1), values={"A": Decimal(1)})])


def test_negative_values_and_weights_are_refused():
    with pytest.raises(AllocationInputError, match="0 or more"):
        allocate(Decimal(10), ["A"], [Indicator(weight=Decimal(1), values={"A": Decimal(-1)})])
    with pytest.raises(AllocationInputError, match="0 or more"):
        allocate(Decimal(10), ["A"], [Indicator(weight=Decimal(-1), values={"A": Decimal(1)})])


def test_at_least_one_weight_must_be_more_than_zero():
    with pytest.raises(AllocationInputError, match="greater than 0"):
        allocate(Decimal(10), ["A"], [Indicator(weight=Decimal(0), values={"A": Decimal(1)})])


def test_a_pot_with_no_areas_to_share_it_is_refused():
    with pytest.raises(AllocationInputError, match="no areas"):
        allocate(Decimal(10), [], [Indicator(weight=Decimal(1), values={})])
