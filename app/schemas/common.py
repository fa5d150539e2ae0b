"""Shapes shared by every resource: money, pages, problems."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from app.domain.values import CENT

MAX_AMOUNT = Decimal(10) ** 12
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a decimal number or a string holding one")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            raise ValueError("must be a decimal number such as 85000.00")
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise ValueError("must be a decimal number such as 85000.00") from exc
    raise ValueError("must be a decimal number or a string holding one")


def _whole(value: Any) -> Any:
    # Lax pydantic would take true as 1 and "12" as 12; JSON says a number, so a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return value


# Body numbers as JSON has them: `WHOLE` takes 3 and 3.0, `NUMBER` any number; neither
# takes a boolean or a string (query parameters, always strings, keep plain int). Put them
# after the `Field` with the bounds, so the bounds stay in the schema:
# `Annotated[int, Field(ge=1), WHOLE]`.
WHOLE = BeforeValidator(_whole)
NUMBER = BeforeValidator(_number)


def _check_amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value > MAX_AMOUNT:
        raise ValueError("must be at most 1000000000000")
    if value != value.quantize(CENT):
        raise ValueError("must have at most two decimal places")
    return value.quantize(CENT)


def money_string(value: Decimal) -> str:
    """Return money as a two-place string."""
    return f"{value.quantize(CENT)}"


# A plain decimal string over 0 and at most 10^12, with at most two places by value
# (trailing zeros allowed: "85000.100"); leading zeros, "5." and ".5" read as numbers do.
AMOUNT_PATTERN = (
    r"^0*(?:[1-9]\d{0,11}(?:\.\d{0,2}0*)?|\.(?:0[1-9]|[1-9]\d?)0*|1000000000000(?:\.0*)?)$"
)
AmountIn = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_check_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1e12, "multipleOf": 0.01},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "examples": ["85000.00"],
        },
        mode="validation",
    ),
]
AmountOut = Annotated[
    Decimal,
    PlainSerializer(money_string, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["85000.00"]}),
]
Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code: three capital letters."),
]


def _check_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


# An ISO 8601 calendar date from EARLIEST_DATE to LATEST_DATE, leap days included: the
# schema says exactly what `Day` accepts.
_YEAR = r"(?:19|20|21)\d\d"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
)
_LEAP_YEAR = (
    r"(?:19(?:0[48]|[2468][048]|[13579][26])"
    r"|20(?:0[048]|[2468][048]|[13579][26])"
    r"|21(?:0[48]|[2468][048]|[13579][26]))"
)
DAY_PATTERN = rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)$"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _iso_day(value: Any) -> Any:
    # Pydantic would also read 0 or "0" as 1970-01-01 and a midnight timestamp as a day.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


Day = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(_check_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DAY_PATTERN,
            "description": f"A date, YYYY-MM-DD, from {EARLIEST_DATE} to {LATEST_DATE}.",
            "examples": ["2025-03-01"],
        },
        mode="validation",
    ),
]


# What a text field may not hold: control characters other than tab, line feed and carriage
# return (C0, DEL and C1), lone surrogates (not Unicode text: they cannot be stored as
# UTF-8) and the non-characters U+FFFE and U+FFFF. What is left is valid in XML (the
# timeline is SVG) and storable on both stores.
_CONTROL = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ufffe\\uffff"
BAD_TEXT = re.compile(f"[{_CONTROL}\\ud800-\\udfff]")


def text_problem(value: str) -> str | None:
    """Return what is wrong with a text a person gave (as the end of a sentence), or None."""
    found = BAD_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return "must be valid Unicode text (it holds a lone surrogate)"
    if char == "\x00":
        return "must not contain NUL characters"
    return f"must not contain control characters (found U+{ord(char):04X})"


def _plain(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# Text a person gives, trimmed: not blank, no control characters (tab and line breaks
# aside) and no lone surrogates. The schema says what the validators do, as a pattern.
_TEXT_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
_TRIMMED = BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)
_PLAIN = AfterValidator(_plain)


def _length(most: int) -> Any:
    return Field(min_length=1, max_length=most, json_schema_extra={"pattern": _TEXT_PATTERN})


# The text fields, by what they hold; each is a trimmed, plain `str` of 1 to N characters.
ResourceId = Annotated[str, _TRIMMED, _PLAIN, _length(36)]
Code = Annotated[str, _TRIMMED, _PLAIN, _length(100)]
Family = Annotated[str, _TRIMMED, _PLAIN, _length(100)]
Name = Annotated[str, _TRIMMED, _PLAIN, _length(200)]
Title = Annotated[str, _TRIMMED, _PLAIN, _length(200)]
ExternalId = Annotated[str, _TRIMMED, _PLAIN, _length(200)]
EventName = Annotated[str, _TRIMMED, _PLAIN, _length(300)]
VoidReason = Annotated[str, _TRIMMED, _PLAIN, _length(1000)]
Note = Annotated[str, _TRIMMED, _PLAIN, _length(2000)]


T = TypeVar("T")


def _not_null(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    branches = [b for b in schema.pop("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches


def omissible() -> Any:
    """Return the default of a PATCH field that may be left out but never set to null.

    The field stays `X | None` in Python (left out is None); its schema offers X only,
    with no null type and no null default, since the model refuses an explicit null.
    """
    return Field(default=None, json_schema_extra=_not_null)


def refuse_null(value: T) -> T:
    """Return a value sent for an `omissible()` field, refusing an explicit null.

    Serves as the field validator of such fields (`field_validator(...)(refuse_null)`): it
    runs only for fields sent, so the error names the field.
    """
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep it")
    return value


class InputModel(BaseModel):
    """A request body: unknown fields are rejected, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class MoneyIn(InputModel):
    amount: AmountIn
    currency: Currency


class MoneyPublic(BaseModel):
    amount: AmountOut
    currency: str


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Opaque cursor for the next page; null on the last page."
    )


class FieldProblem(BaseModel):
    field: str
    in_: str = Field(alias="in")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details body (`application/problem+json`)."""

    type: str = Field(
        description="`/problems/<slug>`, one of the types listed in the introduction."
    )
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None
