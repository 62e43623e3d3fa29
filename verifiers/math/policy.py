"""How an answer's surface is read before any equivalence is decided: the stated policy, in code.

Each rule here is a choice a grader must make; the ones a task may want otherwise are settings of
`MathVerifierSettings` (and so part of the verifier's settings hash, stamped on every verdict).

Numbers (`exact_number`):
- thousands separators only in the `1,234,567` shape (also `1{,}234` and `1\\,234`); `1,2` is a list;
- leading zeros ignored (`016` == 16); decimals exact (`0.50` == `1/2`, no tolerance);
- a leading currency sign, a trailing percent sign and a degree sign are dropped (GSM8K-style
  golds carry none of them);
- units (setting `drop_units`, `without_units`): a tail after a value (a number, `\\frac{1}{3}`,
  a bracket) is dropped only when every word of it is a known unit (`cm`, `km/h`, `ft^2`, `mph`...)
  or a word of three or more letters (`dollars`, `miles per hour`), bare or in
  `\\text{}`/`\\textbf{}`/`\\mbox{}`/`\\mathrm{}` alike; never a single letter (`2x`, `3i`, `2e`,
  `3k`, `33a` stay products), never a scale word (`3 dozen`, `4 squared`; `5 million` is read as
  5,000,000), and a bare word must be separated from the value unless it is a known unit;
- thousands also as `1 000`; a decimal comma (`1,22`, `1000,99`) is read as a point only against a
  plain decimal on the other side (a number cannot equal the list `1, 22`);
- rounded decimals (setting `rounded_decimals`): a decimal of three or more significant digits
  equals a rational it rounds (`0.3333` for 1/3, `0.0833` for 1/12), within half a unit of its last
  place; truncations and shorter decimals do not;
- `name = value` against a bare value compares the values (`x = 5` vs `5`; `A:B = 7:32` vs `7:32`);
- mixed numbers (setting `mixed_numbers`): `4 4/9` and `4\\frac{4}{9}` (numerator below the
  denominator, integers) are 4 + 4/9, the convention of MATH and GSM8K.
Text (`text_answer`, `choice_letter`):
- a multiple-choice gold (`A`-`E`, optionally `(C)`, `\\text{(C)}`, `\\textbf{C}`) is matched only
  by the same capital letter in any of those wrappers;
- a word answer (`odd`, `\\text{Monday}`) is compared as text, case-insensitively, after the wrappers
  are removed.
Clock times (`clock_minutes`): `h:mm` with an optional a.m./p.m. is a time, not a ratio; times with
a meridiem compare on the 24-hour clock; a gold with a meridiem against a prediction without one
is decided only when the prediction's hour says it (13-23, or 0), else `unverifiable`.
Ratios (`ratio_terms`): `a:b(:c)` that is not a clock time compares with another ratio by
proportional terms (`6:4` == `3:2`); a ratio against a single number is `unverifiable`.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction

# Spacing commands (`\\,` but not a matrix's row break `\\\\` before a space), sizing, dollar signs.
_TEX_THOUSANDS_RE = re.compile(r",\\!\s*")
_SPACING_RE = re.compile(r"(?<!\\)\\[,;:! ]")
_STRIP_TOKENS = ("\\$", "$", "\\left", "\\right", "\\displaystyle")
_WRAPPER_RE = re.compile(
    r"^\\(?:text|textbf|textrm|textnormal|mathrm|mathbf|mbox|textit)\s*\{(.*)\}$", re.DOTALL
)
_CURRENCY_RE = re.compile(r"^(-?)\s*(?:\\\$|\$|€|£|¥|\\euro|\\pounds|USD|US\$|Rs\.?)\s*")
_PERCENT_RE = re.compile(r"\s*(?:\\%|%|\\text\{\s*percent(?:age)?\s*\}|\s+percent(?:age)?)$")
_DEGREE_RE = re.compile(r"\s*(?:\^\s*\{?\\circ\}?|°|\\degree|\^\{\\circ\}|\\circ)\s*$")
_THOUSANDS_RE = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$|^-?[1-9]\d{0,2}( \d{3})+(\.\d+)?$")
_DECIMAL_COMMA_RE = re.compile(r"^-?\d+,\d+$")
_DECIMAL_RE = re.compile(r"^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$")
_SLASH_RE = re.compile(r"^(-?\d+)\s*/\s*(\d+)$")
_FRAC_RE = re.compile(r"^(-?)\\[dt]?frac\s*(?:\{\s*(-?\d+)\s*\}|(\d))\s*(?:\{\s*(-?\d+)\s*\}|(\d))$")
_MIXED_RE = re.compile(r"^(-?)(\d+)\s*(?:\s(\d+)\s*/\s*(\d+)|\\[dt]?frac\s*\{(\d+)\}\s*\{(\d+)\})$")
_KNOWN_UNITS = frozenset(
    """cm mm km nm um μm kg mg lb lbs oz ft yd mi mph kph kmh km/h m/s cm/s ft/s mi/h hr hrs h min mins sec
    secs ms ml mL kl l cc gal qt pt tsp tbsp sq cu deg rad kw kW kwh kWh wh Wh mah mAh ghz GHz mhz MHz hz
    Hz kb KB mb MB gb GB tb TB kbps mbps cal kcal kj kJ psi atm mmHg rpm bpm dpi ppm""".split()
)
_SCALES = {"hundred": 10**2, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALE_RE = re.compile(
    r"^(.*\d)\s*(?:\\text\{\s*)?(hundred|thousand|million|billion|trillion)s?\s*\}?$", re.IGNORECASE
)
_SCALE_WORDS = frozenset(
    """hundred hundreds thousand thousands million millions billion billions trillion trillions dozen
    dozens score gross squared cubed factorial times percent percentage""".split()
)
_UNIT_POWER = r"(?:\^\s*\{?\s*[23]\s*\}?|²|³)?"
_UNIT_WORD_RE = re.compile(rf"^([A-Za-zμ]+(?:/[A-Za-z]+)?){_UNIT_POWER}$")
_TRAILING_GROUP_RE = re.compile(
    rf"\\(?:text|textbf|textnormal|textrm|mathrm|mbox)\s*\{{([^{{}}]*)\}}{_UNIT_POWER}\s*$"
)
_TRAILING_WORD_RE = re.compile(rf"(\s*)([A-Za-zμ]+(?:/[A-Za-z]+)?){_UNIT_POWER}\.?\s*$")
_VALUE_END_RE = re.compile(r"[\d})\]]$")
_SUBSCRIPT_RE = re.compile(r"(?<=[A-Za-z])_(?:\{[^{}=]*\}|\w)(?=[^=]*=)")  # `V_{1}` names V_1, not a number
_NAMED_VALUE_RE = re.compile(r"^([A-Za-z\\_{}:\s]+?)\s*=\s*([^=]+)$")
_TEXT_GROUP_RE = re.compile(r"\\(?:text|mbox|mathrm|textrm)\s*\{([^{}]*)\}")
_CHOICE_RE = re.compile(r"^\(?([A-E])\)?$")
_WORD_RE = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")
_RELATION_RE = re.compile(r"\\(?:le|ge|leq|geq|neq|ne)\b|[<>!]")
_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*(?:([ap])\.?\s*m\.?)?$", re.IGNORECASE)
_RATIO_RE = re.compile(r"^-?\d+(?:\.\d+)?(?:\s*:\s*-?\d+(?:\.\d+)?)+$")


@functools.lru_cache(maxsize=1 << 16)  # a gold is read once per sample: 16 samples, one reading
def squash(text: str) -> str:
    """The answer without the spacing and sizing commands that never change its meaning."""
    text = _TEX_THOUSANDS_RE.sub(",", text.strip())  # `11,\! 111`: a thousands comma, spaced the TeX way
    text = _SPACING_RE.sub(lambda match: " " if match.group(0) == "\\ " else "", text)
    for token in _STRIP_TOKENS:
        text = text.replace(token, "")
    if text.endswith("\\") and not text.endswith("\\\\"):
        text = text[:-1]  # a lone trailing backslash (`185\\`) is debris, not a command
    return text.replace("{,}", ",").strip().rstrip(".").strip()


@functools.lru_cache(maxsize=1 << 16)
def unwrap(text: str) -> str:
    """`\\text{...}`-style wrappers removed, repeatedly (`\\text{\\textbf{E}}` -> `E`)."""
    text = squash(text)
    while (match := _WRAPPER_RE.match(text)) is not None:
        text = match.group(1).strip()
    return text


@functools.lru_cache(maxsize=1 << 16)
def exact_number(
    text: str, mixed_numbers: bool = True, decimal_comma: bool = False
) -> tuple[Fraction, str] | None:
    """(the exact rational a plain numeric answer denotes, what was dropped to read it), or None.
    Units are dropped before (`without_units`); `decimal_comma` reads `1,22` as 1.22."""
    text, dropped = unwrap(text), []
    for pattern, name in ((_PERCENT_RE, "percent"), (_DEGREE_RE, "degrees")):
        text, count = pattern.subn("", text)
        if count:
            dropped.append(name)
    text, count = _CURRENCY_RE.subn(r"\1", text)
    if count:
        dropped.append("currency")
    if decimal_comma and _DECIMAL_COMMA_RE.match(text) and not _THOUSANDS_RE.match(text):
        text = text.replace(",", ".")
        dropped.append("decimal comma read as a point")
    scale = 1
    if (scaled := _SCALE_RE.match(text)) is not None:  # "5 million" is 5,000,000, never 5
        text, scale = scaled.group(1), _SCALES[scaled.group(2).lower()]
    number = _plain_number(text, mixed_numbers)
    return None if number is None else (number * scale, ", ".join(dropped))


def decimal_places(text: str) -> int | None:
    """Digits after the point of a plain decimal answer with three or more significant digits."""
    match = re.fullmatch(r"-?(\d*)\.(\d+)", unwrap(text))
    if match is None or len((match[1] + match[2]).lstrip("0")) < 3:
        return None
    return len(match[2])


def _plain_number(text: str, mixed_numbers: bool) -> Fraction | None:
    text = text.strip()
    if _THOUSANDS_RE.match(text):
        text = text.replace(",", "").replace(" ", "")
    try:
        if _DECIMAL_RE.match(text):
            return Fraction(text)
        if (slash := _SLASH_RE.match(text)) is not None:
            return Fraction(int(slash[1]), int(slash[2]))
        if (frac := _FRAC_RE.match(text)) is not None:
            sign, num_braced, num_digit, den_braced, den_digit = frac.groups()
            value = Fraction(int(num_braced or num_digit), int(den_braced or den_digit))
            return -value if sign else value
        if mixed_numbers and (mixed := _MIXED_RE.match(text)) is not None:
            sign, whole, num, den = (
                mixed[1],
                int(mixed[2]),
                int(mixed[3] or mixed[5]),
                int(mixed[4] or mixed[6]),
            )
            if num < den:
                value = whole + Fraction(num, den)
                return -value if sign else value
    except (ValueError, ZeroDivisionError):
        return None
    return None


@functools.lru_cache(maxsize=1 << 16)
def without_units(text: str) -> tuple[str, str]:
    """(the answer without a droppable unit tail, the unit dropped or ""), by the unit rule above;
    the part left must end like a value (a digit or a closing bracket), else nothing is dropped."""
    answer, dropped = squash(text), []
    while True:
        group = _TRAILING_GROUP_RE.search(answer)
        if group is not None and group.start() > 0:
            words = group.group(1).split()
            if not words or not all(_droppable(word, True) for word in words):
                break
            dropped.insert(0, " ".join(words))
            answer = answer[: group.start()].rstrip()
            continue
        word = _TRAILING_WORD_RE.search(answer)
        if word is None or word.start() == 0 or not _droppable(word.group(2), bool(word.group(1))):
            break
        dropped.insert(0, word.group(2))
        answer = answer[: word.start()].rstrip()
    if not dropped or not _VALUE_END_RE.search(answer):
        return squash(text), ""
    return answer, " ".join(dropped)


def _droppable(word: str, separated: bool) -> bool:
    match = _UNIT_WORD_RE.match(word.rstrip(".,"))
    if match is None:
        return False
    name = match.group(1)
    if name in _KNOWN_UNITS:
        return True
    return separated and len(name) >= 3 and name.lower() not in _SCALE_WORDS and "/" not in name


def named_value(text: str) -> str | None:
    """The value of `name = value` (`x = 5`, `S_{ABC}:S = 7:32`), or None when the text is not one."""
    match = _NAMED_VALUE_RE.match(_SUBSCRIPT_RE.sub("", squash(text)))
    return match.group(2).strip() if match and not _RELATION_RE.search(text) else None


def choice_letter(text: str) -> str | None:
    """The letter of a multiple-choice answer (`(C)`, `\\textbf{(C)}`, `C`), or None."""
    match = _CHOICE_RE.match(unwrap(text))
    return match.group(1) if match else None


def text_answer(text: str) -> str | None:
    """A word answer (`odd`, `\\text{Monday}`), case-folded; None for anything with math in it."""
    text = unwrap(text)
    return text.casefold() if _WORD_RE.match(text) and len(text) > 1 else None


def clock_minutes(text: str) -> tuple[int, int, str | None] | None:
    """(hour, minute, "a"/"p"/None) of an `h:mm` time, or None when the text is not one."""
    text = _TEXT_GROUP_RE.sub(lambda group: " " + group.group(1), squash(text)).strip()
    match = _CLOCK_RE.match(unwrap(text))
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return int(match[1]), int(match[2]), match[3].lower() if match[3] else None


def compare_clocks(gold: tuple[int, int, str | None], predicted: tuple[int, int, str | None]) -> str:
    """correct | incorrect | unverifiable, by the clock policy above."""
    if gold[2] and not predicted[2] and 1 <= predicted[0] <= 12:
        return "unverifiable"  # "4:30" for "4:30 p.m.": the prediction does not say which
    if (gold[2] or predicted[2]) and (gold[2] or not 1 <= gold[0] <= 12):
        return "correct" if _on_24h(gold) == _on_24h(predicted) else "incorrect"
    return "correct" if gold[:2] == predicted[:2] else "incorrect"


def _on_24h(clock: tuple[int, int, str | None]) -> int:
    hour, minute, meridiem = clock
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return hour * 60 + minute


def ratio_terms(text: str) -> tuple[Fraction, ...] | None:
    """The terms of an `a:b(:c)` ratio that is not a clock time, or None."""
    text = squash(text)
    if not _RATIO_RE.match(text) or clock_minutes(text) is not None:
        return None
    return tuple(Fraction(term.strip()) for term in text.split(":"))


def proportional(a: tuple[Fraction, ...], b: tuple[Fraction, ...]) -> bool:
    if len(a) != len(b) or not any(a) or not any(b):
        return a == b
    scale = next(y / x for x, y in zip(a, b) if x)
    return all(x * scale == y for x, y in zip(a, b))
