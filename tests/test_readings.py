"""Issue 15, item 7: English times keep their seconds, phone numbers in three groups are
said digit by digit (never a range with a negative number), "St." after a number is Street."""

from __future__ import annotations

import pytest

from voicer.text import normalize


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("It ended at 2:05:30 today.", "It ended at two oh five and thirty seconds today."),
        ("Meet at 10:30:01.", "Meet at ten thirty and one second."),
        ("Doors at 7:00:15.", "Doors at seven o'clock and fifteen seconds."),
        ("Meet at 10:30.", "Meet at ten thirty."),
        ("Call 400-820-8820 now.", "Call four zero zero, eight two zero, eight eight two zero now."),
        ("Dial 021-6234-5678.", "Dial zero two one, six two three four, five six seven eight."),
        (
            "He lives at 221B Baker St. in London.",
            "He lives at two hundred and twenty-one B Baker Street in London.",
        ),
        ("Visit 10 Downing St. today.", "Visit ten Downing Street today."),
        ("Oxford St. is busy.", "Oxford Street is busy."),
        ("St. Louis is nice.", "Saint Louis is nice."),
        ("The score was 3:2.", "The score was three to two."),
    ],
)
def test_english_readings(text: str, spoken: str) -> None:
    assert normalize(text, "en") == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("客服电话400-820-8820。", "客服电话四零零，八二零，八八二零。"),
        ("电话021-6234-5678。", "电话零二幺，六二三四，五六七八。"),
        ("会议在2:05:30结束。", "会议在两点零五分三十秒结束。"),
        ("会议在2:00:30结束。", "会议在两点零分三十秒结束。"),
    ],
)
def test_mandarin_readings(text: str, spoken: str) -> None:
    assert normalize(text, "zh") == spoken


@pytest.mark.parametrize("text", ["Call 400-820-8820.", "客服电话400-820-8820。"])
def test_a_phone_number_is_never_a_range_or_negative(text: str) -> None:
    for language in ("en", "zh"):
        spoken = normalize(text, language)
        assert not any(w in spoken for w in ("minus", "负", " to ", "到")), spoken
