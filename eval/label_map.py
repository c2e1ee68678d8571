"""``--label-map FILE``: an evaluator's own label names -> taxonomy types.

Real ledgers label types their own way (家庭婚姻纠纷, 社区邻里纠纷, 劳资劳动纠纷 …). The file is YAML, one
entry a line, their label -> one taxonomy type or a list (any of them counts as right)::

    家庭婚姻纠纷: 婚姻家庭纠纷
    社区邻里纠纷: [邻里纠纷, 相邻关系纠纷]

A target must be a taxonomy name or alias; one that is not refuses the whole file with the file and line,
because a typo there would silently score every case of that label as wrong.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from brain.agents.intake.taxonomy import TaxonomyIndex
from brain.errors import InputError


def load_label_map(path: Path, tax: TaxonomyIndex) -> dict[str, tuple[str, ...]]:
    """Their label -> canonical taxonomy names (in file order)."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(
            "标签映射文件无法读取或不是合法的 YAML", where=str(path), hint=f"{e}".splitlines()[0][:200]
        ) from e
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise InputError(
            "标签映射文件必须是“原标签: 分类体系类型”的映射",
            where=f"{path}:{root.start_mark.line + 1}",
            hint="例如  家庭婚姻纠纷: 婚姻家庭纠纷  或  社区邻里纠纷: [邻里纠纷, 相邻关系纠纷]",
        )
    out: dict[str, tuple[str, ...]] = {}
    for key, value in root.value:
        label = str(key.value).strip()
        targets = value.value if isinstance(value, yaml.SequenceNode) else [value]
        names = []
        for node in targets:
            if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
                raise InputError(
                    f"标签“{label}”的目标必须是分类体系类型名称或其列表",
                    where=f"{path}:{node.start_mark.line + 1}",
                    hint="用 GET /v1/taxonomy 或 brain intake --help 查看类型名称",
                )
            name = tax.resolve(str(node.value))
            if name is None:
                raise InputError(
                    f"标签“{label}”映射到的“{node.value}”不在分类体系中",
                    where=f"{path}:{node.start_mark.line + 1}",
                    hint="目标须是分类体系中的类型名称或别名（GET /v1/taxonomy 可查）",
                )
            names.append(name)
        out[label] = tuple(dict.fromkeys(names))
    return out


def accepted_types(
    label: str, tax: TaxonomyIndex, label_map: dict[str, tuple[str, ...]] | None
) -> tuple[str, ...] | None:
    """The canonical types that count as right for ``label`` (map first, then taxonomy name/alias)."""
    if label_map and label.strip() in label_map:
        return label_map[label.strip()]
    name = tax.resolve(label)
    return (name,) if name else None
