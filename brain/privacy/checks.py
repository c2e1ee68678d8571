"""Checksums of Chinese identity numbers: GB 11643 (resident ID) and Luhn (bank cards)."""

from __future__ import annotations

from datetime import date

# ---------------------------------------------------------------------------------------------- checksums
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"


def gb11643_check_char(first17: str) -> str:
    """The check character (0-9 or X) of an 18-digit resident ID number, from its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("需要 17 位数字")
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11]


def _real_date(y: int, m: int, d: int) -> bool:
    try:
        born = date(y, m, d)
    except ValueError:
        return False
    return date(1880, 1, 1) <= born <= date.today()


def is_valid_id_number(s: str) -> bool:
    """True for an 18-digit ID with a valid GB 11643 check character, or a 15-digit pre-1999 ID; both need a
    real birth date and a non-zero province digit."""
    s = s.upper()
    if len(s) == 18 and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X"):
        return (
            s[0] != "0"
            and _real_date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
            and gb11643_check_char(s[:17]) == s[17]
        )
    if len(s) == 15 and s.isdigit():
        return s[0] != "0" and _real_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    return False


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank card numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0
