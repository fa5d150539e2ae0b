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
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


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


AmountIn = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_check_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1e12},
                {"type": "string", "pattern": r"^\d{1,13}(\.\d{1,2})?$"},
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


Day = Annotated[date, AfterValidator(_check_date)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def text(max_length: int, *, min_length: int = 1) -> Any:
    """Return a trimmed, NUL-free string type with length bounds."""
    return Annotated[
        str,
        BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
        AfterValidator(_no_nul),
        Field(min_length=min_length, max_length=max_length),
    ]


class InputModel(BaseModel):
    """A request body: unknown fields are rejected, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class MoneyIn(InputModel):
    amount: AmountIn
    currency: Currency


class MoneyOut(BaseModel):
    amount: AmountOut
    currency: str


T = TypeVar("T")


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

    type: str = Field(examples=["/problems/not-found"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None
