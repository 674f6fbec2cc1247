#!/usr/bin/env python3
"""Writes data/pipelines/ecs_windows.yml from the facts in ../shared/pysigma/ref/pipelines/ecs_windows.json
(pySigma-backend-elasticsearch 2.1.1's `ecs_windows` dumped item by item): channel conditions, per-logsource
and static field pairs, the winlog.event_data. prefix rule, the network.direction rewrite, the type rule."""
import json, sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/pysigma/ref/pipelines/ecs_windows.json"
d = json.load(open(src))


def q(s):
    return json.dumps(s)


def logsource(conds):
    out = []
    for c in conds:
        assert c["type"] == "LogsourceCondition", c
        out.append("      - type: logsource")
        for k in ("category", "product", "service"):
            if c.get(k):
                out.append(f"        {k}: {q(c[k])}")
    return out


lines = [
    "# pySigma-backend-elasticsearch's `ecs_windows` pipeline (Winlogbeat >= 7 / Elastic Agent), written as",
    "# pySigma pipeline YAML from the facts of its 2.1.1 release (scripts/gen-pipeline-ecs-windows.py).",
    f"name: {q(d['pipeline'])}",
    f"priority: {d['priority']}",
    "indices:",
    "  - product: windows",
    "    index: [winlogbeat-*, logs-windows.*, logs-system.*]",
    "transformations:",
]
for it in d["items"]:
    t = it["transformation"]
    lines.append(f"  - id: {it['identifier']}")
    if t == "AddConditionTransformation":
        lines.append("    type: add_condition")
        lines.append("    conditions:")
        for k, v in it["conditions"].items():
            lines.append(f"      {k}: {q(v)}")
    elif t == "FieldMappingTransformation":
        lines.append("    type: field_name_mapping")
        lines.append("    mapping:")
        for k, v in it["mapping"].items():
            lines.append(f"      {k}: {q(v)}")
    elif t == "AddFieldnamePrefixTransformation":
        lines.append("    type: field_name_prefix")
        lines.append(f"    prefix: {q(it['prefix'])}")
    elif t == "SetValueTransformation":
        lines.append("    type: set_value")
        lines.append("    value: " + ("egress" if it["identifier"].endswith("egress") else "ingress"))
    elif t == "ConvertTypeTransformation":
        lines.append("    type: convert_type")
        lines.append(f"    target_type: {it['target_type']}")
    else:
        raise SystemExit(f"unknown {t}")
    if it["rule_conditions"]:
        lines.append("    rule_conditions:")
        lines += logsource(it["rule_conditions"])
    fc = it["field_name_conditions"]
    if fc:
        lines.append("    field_name_conditions:")
        for c in fc:
            if c["type"] == "FieldNameProcessingItemAppliedCondition":
                lines.append("      - type: processing_item_applied")
                lines.append(f"        processing_item_id: {c['processing_item_id']}")
            elif c["type"] == "IncludeFieldCondition":
                lines.append("      - type: include_fields")
                lines.append(f"        fields: {q(c['fields'])}")
                lines.append(f"        mode: {c['mode']}")
            else:
                raise SystemExit(c)
        if it["identifier"] == "ecs_windows_winlog_eventdata_prefix":
            # The backend links these two with `any` (the dump does not record the linking).
            lines.append("    field_name_cond_op: or")
        if it["field_name_condition_negation"]:
            lines.append("    field_name_cond_not: true")
    dc = it["detection_item_conditions"]
    if dc:
        lines.append("    detection_item_conditions:")
        for c in dc:
            if c["type"] == "MatchValueCondition":
                lines.append("      - type: match_value")
                lines.append(f"        value: {q(c['value'])}")
                lines.append(f"        cond: {c['cond']}")
            elif c["type"] == "IsNullCondition":
                lines.append("      - type: is_null")
                lines.append(f"        cond: {c['cond']}")
            else:
                raise SystemExit(c)
        if it["detection_item_condition_negation"]:
            lines.append("    detection_item_cond_not: true")
print("\n".join(lines))
