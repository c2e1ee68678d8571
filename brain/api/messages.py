"""Chinese messages for what pydantic and the HTTP layer report in English.

A clerk reading a 422 should learn which field is wrong and how to fix it; pydantic's ``msg`` is English
("String should have at most 5 characters"), so each error type the request models can produce gets a Chinese
sentence built from the error's ``ctx`` (limits). Unknown types keep pydantic's text after a Chinese lead.
"""

from __future__ import annotations

from typing import Any

_BY_TYPE: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不接受这个字段",
    "json_invalid": "请求体不是合法的 JSON：请检查引号、逗号与括号",
    "json_type": "请求体应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数（不能带小数）",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "decimal_type": "应为金额数字",
    "decimal_parsing": "应为金额数字，如 15000 或 15000.50",
    "date_type": "应为日期，如 2026-03-31",
    "date_parsing": "应为日期，如 2026-03-31",
    "date_from_datetime_parsing": "应为日期，如 2026-03-31",
    "datetime_parsing": "应为日期时间，如 2026-03-31T09:00:00",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不正确",
    "value_error": "取值不正确",
    "assertion_error": "取值不正确",
    "uuid_parsing": "应为 UUID",
}


def chinese_message(error: dict[str, Any]) -> str:
    """One pydantic error (``{"type", "msg", "ctx", ...}``) as a Chinese sentence with its limits."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("string_too_short", "too_short"):
        if ctx.get("min_length", 1) == 1:
            return "不能为空"
        unit = "个字" if kind.startswith("string") else "项"
        return f"太短：至少 {ctx.get('min_length', 1)} {unit}"
    if kind in ("string_too_long", "too_long"):
        unit = "个字" if kind.startswith("string") else "项"
        actual = f"（现有 {ctx['actual_length']} 项）" if "actual_length" in ctx else ""
        return f"太长：最多 {ctx.get('max_length')} {unit}{actual}"
    limits = {
        "greater_than_equal": ("不能小于", "ge"),
        "greater_than": ("应大于", "gt"),
        "less_than_equal": ("不能大于", "le"),
        "less_than": ("应小于", "lt"),
    }
    if kind in limits:
        words, key = limits[kind]
        return f"{words} {ctx.get(key)}"
    if kind == "decimal_max_digits":
        return f"数字位数过多：最多 {ctx.get('max_digits')} 位"
    if kind == "decimal_max_places":
        return f"小数位数过多：最多 {ctx.get('decimal_places')} 位"
    if kind == "decimal_whole_digits":
        return f"整数部分位数过多：最多 {ctx.get('whole_digits')} 位"
    if kind in ("value_error", "assertion_error") and error.get("msg"):
        # our own validators raise ValueError with a Chinese message: pydantic prefixes "Value error, "
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    msg = str(error.get("msg", "")).removeprefix("Value error, ")
    if any("\u4e00" <= c <= "\u9fff" for c in msg):  # a validator of ours already said it in Chinese
        return msg
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    return f"取值不正确（{msg or kind}）"


BODY_UNREADABLE = "请求体无法解析：应为 UTF-8 编码、嵌套不超过 100 层的 JSON；请检查编码与括号"
