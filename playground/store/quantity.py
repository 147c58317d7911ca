"""Kubernetes resource quantities ("500m", "1.5Gi", "2e3"): parsing and their canonical form.

Admission (defaults and validation) and later the scheduler and kubelet read cpu, memory and
storage through here, so a quantity means the same thing everywhere in the playground.
A port of k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity,
parseQuantityString, CanonicalizeBytes) and suffix.go: same grammar, same errors, values
rounded up to the nano scale, and the same canonical string the API server writes back
(`0.5` is stored as `500m`, `1024Mi` as `1Gi`).
"""
from __future__ import annotations

import decimal
import functools
from decimal import ROUND_UP, Decimal

QUANTITY_FORMAT_ERROR = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix"
QUANTITY_NUMERIC_ERROR = "unable to parse numeric part of quantity"

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {exponent: suffix for suffix, exponent in _BINARY_SUFFIXES.items()}
_DIGITS = "0123456789"
_SUFFIX_CHARS = "eEinumkKMGTP"
_NANO = Decimal("1e-9")
_MILLI = Decimal("1e-3")
# Quantities go up to 2^63 with nine decimals: more digits than the default context holds
_CONTEXT = decimal.Context(prec=200, Emax=10_000, Emin=-10_000)


def parse_quantity(text: str | int | float) -> Decimal:
    """The value of a quantity, as resource.ParseQuantity reads it; ValueError if malformed."""
    return _parse(text)[0]


def canonical_quantity(text: str | int | float, *, round_up_to_milli: bool = False) -> str:
    """The string the API server stores for a quantity (Quantity.String()).

    `round_up_to_milli` is SetDefaults_ResourceList: every resource list is rounded up to
    milli precision before it is stored.
    """
    value, quantity_format = _parse(text)
    if round_up_to_milli:
        value = _round_up(value, _MILLI)
    return _canonicalize(value, quantity_format)


@functools.lru_cache(maxsize=4096)  # the scheduler asks about the same few strings all the time
def _parse(text: str | int | float) -> tuple[Decimal, str]:
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(QUANTITY_FORMAT_ERROR)
    # JSON numbers reach the API server as their literal text
    source = text.strip() if isinstance(text, str) else repr(text)
    if source == "":
        raise ValueError(QUANTITY_FORMAT_ERROR)
    if source == "0":
        return Decimal(0), DECIMAL_SI
    positive, num, denom, suffix = _split(source)
    base, exponent, quantity_format = _interpret_suffix(suffix)
    try:
        value = _CONTEXT.create_decimal(f"{num}.{denom or '0'}")
        value = value.scaleb(exponent, _CONTEXT) if base == 10 else _CONTEXT.multiply(value, 2**exponent)
    except (decimal.InvalidOperation, OverflowError) as error:
        raise ValueError(QUANTITY_NUMERIC_ERROR) from error
    # "if you want some resources, you should get some": anything below 1n becomes 1n
    value = _round_up(value, _NANO)
    if quantity_format == BINARY_SI and 0 < value < 1:
        quantity_format = DECIMAL_SI
    return (value if positive else -value), quantity_format


def _split(text: str) -> tuple[bool, str, str, str]:
    """parseQuantityString: sign, whole digits, fraction digits and suffix."""
    positive, pos, end = True, 0, len(text)
    if text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise ValueError(QUANTITY_FORMAT_ERROR)
    return positive, num, denom, text[suffix_start:]


def _interpret_suffix(suffix: str) -> tuple[int, int, str]:
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        exponent = suffix[1:]
        digits = exponent[1:] if exponent[0] in "+-" else exponent
        if digits and all(c in _DIGITS for c in digits):
            return 10, int(exponent), DECIMAL_EXPONENT
    raise ValueError(QUANTITY_SUFFIX_ERROR)


def _round_up(value: Decimal, step: Decimal) -> Decimal:
    """inf.RoundUp: away from zero, to a multiple of `step`."""
    if value == 0:
        return value
    return value.quantize(step, rounding=ROUND_UP, context=_CONTEXT)


def _canonicalize(value: Decimal, quantity_format: str) -> str:
    """CanonicalizeBytes: the shortest exact spelling in the quantity's own format."""
    if value == 0:
        return "0"
    if quantity_format == BINARY_SI and (-1024 < value < 1024 or value != value.to_integral_value()):
        quantity_format = DECIMAL_SI  # shown in decimal rather than rounded
    if quantity_format == BINARY_SI:
        return _canonical_binary(int(value))
    mantissa, exponent = _canonical_decimal(value)
    if exponent == 0:
        return str(mantissa)
    if quantity_format == DECIMAL_SI and exponent in _DECIMAL_BY_EXPONENT:
        return f"{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"
    return f"{mantissa}e{exponent}"


def _canonical_decimal(value: Decimal) -> tuple[int, int]:
    """Integer mantissa and an exponent that is a multiple of 3 (AsCanonicalBytes)."""
    sign, digits, exponent = value.normalize(_CONTEXT).as_tuple()
    mantissa = int("".join(map(str, digits)))
    while mantissa and mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    return (-mantissa if sign else mantissa), exponent


def _canonical_binary(value: int) -> str:
    """AsCanonicalBase1024Bytes: move factors of 1024 into the Ki..Ei suffix."""
    magnitude, exponent = abs(value), 0
    while magnitude >= 1024 and magnitude % 1024 == 0 and exponent < 60:
        magnitude //= 1024
        exponent += 10
    return f"{'-' if value < 0 else ''}{magnitude}{_BINARY_BY_EXPONENT[exponent]}"
