"""The one grammar of a number in a file or form (roadmap_portal.numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from roadmap_portal.numbers import NumberTextError, parse_decimal, parse_whole


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("12", Decimal("12")),
        (" 12 ", Decimal("12")),
        ("12,5", Decimal("12.5")),
        ("12.50", Decimal("12.50")),
        ("-3", Decimal("-3")),
        ("1 234", Decimal("1234")),
        ("1\u00a0234\u00a0567,25", Decimal("1234567.25")),
        ("1\u202f234", Decimal("1234")),
        ("12,", Decimal("12")),
        ("007", Decimal("7")),
    ],
)
def test_what_is_a_number(written, value):
    assert parse_decimal(written) == value


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "пустое"),
        ("1 5", "пробел"),
        ("12 34", "пробел"),
        ("1\t2", "пробел"),
        ("1\n5", "пробел"),
        ("1e3", "не число"),
        ("1E+3", "не число"),
        ("1_000", "не число"),
        ("+5", "не число"),
        ("nan", "не число"),
        ("Infinity", "не число"),
        ("\u0661\u0662", "цифры 0-9"),
        ("１２", "цифры 0-9"),
        ("²", "цифры 0-9"),
        ("12%", "не число"),
        ("1,2,3", "не число"),
        ("\x00", "\\x00"),  # quoted escaped, never raw
    ],
)
def test_what_is_not(written, reason):
    with pytest.raises(NumberTextError) as error:
        parse_decimal(written)
    assert reason in str(error.value)


def test_a_percent_sign_only_where_asked():
    assert parse_decimal("75 %", percent_sign=True) == Decimal("75")
    assert parse_decimal("75,5%", percent_sign=True) == Decimal("75.5")
    with pytest.raises(NumberTextError):
        parse_decimal("75 %")


@pytest.mark.parametrize(("written", "value"), [("7", 7), (7, 7), (7.0, 7), (" 12 ", 12)])
def test_a_whole_number(written, value):
    assert parse_whole(written) == value


@pytest.mark.parametrize("written", ["²", "\u0661", "7.5", 7.5, True, "", None, "1 0", "-1"])
def test_not_a_whole_number(written):
    with pytest.raises(NumberTextError):
        parse_whole(written)


@pytest.mark.parametrize("text", ["²", "¹²", "١", "1²", "", " 1", "-1"])
def test_plain_digits_are_ascii_digits_only(text):
    from roadmap_portal.numbers import plain_digits

    assert not plain_digits(text)
    assert plain_digits("0123")


@pytest.mark.parametrize("value", ["1" * 5000, str(2**63), "0", "-1", "²", "1.5"])
def test_an_id_no_key_can_hold_is_refused_before_the_lookup(seeded, value):
    from django.core.exceptions import ValidationError

    from agencies.models import Organisation
    from roadmap_portal.formfields import BoundedModelMultipleChoiceField

    field = BoundedModelMultipleChoiceField(queryset=Organisation.objects.all())
    with pytest.raises(ValidationError):
        field.clean([value])
