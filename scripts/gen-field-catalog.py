#!/usr/bin/env python3
"""Build sigmaforge's embedded Elastic field catalog (format "sigmaforge-fields/1").

The catalog tells the converter and the validator which fields exist in which Elasticsearch
index or data stream, and how each one is mapped (keyword, wildcard, text, long, ip, ...), with
its multi-fields (`.caseless`, `.text`) and normalizer. src/mapping/catalog/ reads it.

Input: the reference folder ../shared/elastic/fields/ (see its README.md), read-only:
  ecs.json                          ECS base (merged under beats indices)
  integrations/*.json               Fleet integration data streams (endpoint, windows, system, aws, ...)
  beats/{winlogbeat,filebeat,auditbeat}.json
  endgame.json
  detection_rules_non_ecs.json      extra fields per index pattern (attached as a supplement layer)
  ecs_mappings_dynamic_templates.json

Usage:
  scripts/gen-field-catalog.py [--src ../shared/elastic/fields] [--out data/fields/catalog.json]

Output: one JSON object, deterministic (sorted), one spec / template / field per line so a data
update shows up as a readable diff. Standard library only. Keys:
  schema            "sigmaforge-fields/1"
  sources           {id: {what, version, repo, commit, date, path, license}}
  specs             [mapping spec]  each field refers to one by its position; specs are shared
                    {"type", "normalizer"?, "ignore_above"?, "object_type"?, "path"?,
                     "scaling_factor"?, "index": false?, "doc_values": false?, "multi_fields"?}
  dynamic_templates {set name: [{"name", "match"?, "unmatch"?, "path_match"?, "path_unmatch"?,
                                 "match_mapping_type"?, "mapping": spec}]}   (tried in order)
  ecs               {"version", "fields": {name: spec id}}
  indices           [{"pattern", "source", "package"?, "data_stream"?, "version"?,
                      "current_version"?, "complete", "base": "ecs"|null,
                      "dynamic": "closed"|"unknown"|<dynamic_templates set name>,
                      "fields": {name: spec id}, "supplement": {name: spec id}}]

`dynamic` says what happens to a field the index does not declare:
  closed        the mapping is `dynamic: false` (Elastic Defend): it is not searchable;
  ecs@mappings  Fleet composes the index template with ecs@mappings: the templates type it;
  beats         beats index templates end with `strings_as_keyword` (keyword, ignore_above 1024);
  unknown       not recorded.
`supplement` holds detection-rules' non-ECS extras whose index pattern covers this index.
"""
import argparse
import json
import os
import sys

SCHEMA = "sigmaforge-fields/1"
SPEC_KEYS = ("type", "normalizer", "ignore_above", "object_type", "path", "scaling_factor", "index",
             "doc_values", "multi_fields")
TEMPLATE_KEYS = ("match", "unmatch", "path_match", "path_unmatch", "match_mapping_type")

# Beats index templates (libbeat) end with this catch-all dynamic template; it is not in the shared
# folder, it was read in exported filebeat index templates (6.x and 8.0), see data/fields/README.md.
BEATS_TEMPLATES = [{"name": "strings_as_keyword", "match_mapping_type": "string",
                    "mapping": {"type": "keyword", "ignore_above": 1024}}]


def load(src, rel):
    with open(os.path.join(src, rel), encoding="utf-8") as f:
        return json.load(f)


def clean_spec(d):
    """Keep the keys that matter for query semantics, recursively for multi-fields."""
    out = {}
    for k in SPEC_KEYS:
        if k not in d or d[k] is None:
            continue
        if k == "multi_fields":
            if d[k]:
                out[k] = {name: clean_spec(sub) for name, sub in sorted(d[k].items())}
        elif k in ("index", "doc_values"):
            if d[k] is False:
                out[k] = False
        else:
            out[k] = d[k]
    if "type" not in out:
        raise SystemExit(f"field spec without a type: {d!r}")
    return out


def es_mapping_to_spec(m):
    """An Elasticsearch mapping (multi-fields under `fields`) in the catalog's spec shape."""
    out = {k: v for k, v in m.items() if k != "fields"}
    if m.get("fields"):
        out["multi_fields"] = {n: es_mapping_to_spec(sub) for n, sub in m["fields"].items()}
    return out


class Specs:
    """Interns mapping specs; ids are assigned after all specs are known, in canonical order."""

    def __init__(self):
        self.keys = {}

    def key(self, spec):
        k = json.dumps(clean_spec(spec), sort_keys=True, separators=(",", ":"))
        self.keys.setdefault(k, None)
        return k

    def finish(self):
        order = sorted(self.keys)
        for i, k in enumerate(order):
            self.keys[k] = i
        return [json.loads(k) for k in order]


def source_of(doc, what, version):
    s = doc["source"]
    return {"what": what, "version": version, "repo": s.get("repo"), "commit": s.get("commit"),
            "date": s.get("date"), "path": s.get("path"), "license": s.get("license")}


def literal_prefix_glob(pattern):
    """`prefix*` → prefix; None for any other shape (covering is only decided for this shape)."""
    if pattern.endswith("*") and "*" not in pattern[:-1]:
        return pattern[:-1]
    return None


def covers(supplement_pattern, index_pattern):
    """True when every index name matched by index_pattern is matched by supplement_pattern."""
    prefix = literal_prefix_glob(supplement_pattern)
    if prefix is None:
        return False
    literal = index_pattern.split("*", 1)[0]
    return literal.startswith(prefix)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default=os.path.join(repo, "..", "shared", "elastic", "fields"))
    ap.add_argument("--out", default=os.path.join(repo, "data", "fields", "catalog.json"))
    args = ap.parse_args()
    src = args.src
    if not os.path.isfile(os.path.join(src, "ecs.json")):
        raise SystemExit(f"{src}: no ecs.json here; pass --src <shared>/elastic/fields")
    specs = Specs()
    sources = {}

    ecs_doc = load(src, "ecs.json")
    sources["ecs"] = source_of(ecs_doc, "Elastic Common Schema", ecs_doc["version"])
    ecs_fields = {n: specs.key(d) for n, d in ecs_doc["fields"].items()}

    indices = []
    integration_files = sorted(os.listdir(os.path.join(src, "integrations")))
    for fname in integration_files:
        if not fname.endswith(".json"):
            continue
        doc = load(src, os.path.join("integrations", fname))
        pkg = doc["package"]
        sources[pkg] = source_of(doc, f"Elastic integration package {pkg}", doc.get("version"))
        for ds, d in sorted(doc["data_streams"].items()):
            if d.get("dynamic", True) is False:
                dynamic = "closed"
            elif d.get("dynamic") in (True, None):
                dynamic = "ecs@mappings"
            else:
                raise SystemExit(f"{fname} {ds}: unexpected dynamic {d.get('dynamic')!r}")
            indices.append({
                "pattern": d["index_pattern"], "source": pkg, "package": pkg, "data_stream": ds,
                "version": doc.get("version"), "current_version": doc.get("current_version_2026"),
                "complete": bool(doc.get("fields_complete")), "base": None, "dynamic": dynamic,
                "fields": {n: specs.key(f) for n, f in d["fields"].items()},
            })

    for beat in ("winlogbeat", "filebeat", "auditbeat"):
        doc = load(src, os.path.join("beats", f"{beat}.json"))
        sources[beat] = source_of(doc, f"{beat} index template fields (without ECS)", doc["version"])
        indices.append({
            "pattern": doc["index_pattern"], "source": beat, "version": doc["version"], "complete": True,
            "base": "ecs", "dynamic": "beats", "fields": {n: specs.key(f) for n, f in doc["fields"].items()},
        })

    doc = load(src, "endgame.json")
    sources["endgame"] = source_of(doc, "Endgame mapping", doc["version"])
    indices.append({
        "pattern": doc["index_pattern"], "source": "endgame", "version": doc["version"], "complete": True,
        "base": None, "dynamic": "unknown", "fields": {n: specs.key(f) for n, f in doc["fields"].items()},
    })

    doc = load(src, "detection_rules_non_ecs.json")
    sources["detection_rules_non_ecs"] = source_of(doc, "detection-rules non-ECS fields per index pattern",
                                                   doc["version"])
    unattached = []
    for pattern, fields in sorted(doc["index_patterns"].items()):
        targets = [ix for ix in indices if covers(pattern, ix["pattern"])]
        if not targets:
            unattached.append(pattern)
        for ix in targets:
            sup = ix.setdefault("supplement", {})
            for n, f in fields.items():
                sup[n] = specs.key(f)

    doc = load(src, "ecs_mappings_dynamic_templates.json")
    sources["ecs@mappings"] = source_of(doc, "ecs@mappings dynamic templates", doc["version"])
    templates = {"ecs@mappings": [], "beats": []}
    for entry in doc["dynamic_templates"]:
        ((name, t),) = entry.items()
        row = {"name": name}
        for k in TEMPLATE_KEYS:
            if k in t:
                row[k] = t[k] if isinstance(t[k], list) or k == "match_mapping_type" else [t[k]]
        unknown = set(t) - set(TEMPLATE_KEYS) - {"mapping"}
        if unknown:
            raise SystemExit(f"dynamic template {name}: unsupported keys {sorted(unknown)}")
        row["mapping"] = specs.key(es_mapping_to_spec(t["mapping"]))
        templates["ecs@mappings"].append(row)
    for t in BEATS_TEMPLATES:
        templates["beats"].append({**t, "mapping": specs.key(t["mapping"])})
    sources["beats"] = {"what": "libbeat catch-all dynamic template strings_as_keyword", "version": None,
                        "repo": "elastic/beats", "commit": None, "date": None, "path": None,
                        "license": "Apache-2.0"}

    spec_list = specs.finish()
    sid = specs.keys

    def ids(m):
        return {n: sid[k] for n, k in sorted(m.items())}

    for ix in indices:
        ix["fields"] = ids(ix["fields"])
        ix["supplement"] = ids(ix.get("supplement", {}))
    for rows in templates.values():
        for row in rows:
            row["mapping"] = sid[row["mapping"]]
    indices.sort(key=lambda ix: ix["pattern"])
    patterns = [ix["pattern"] for ix in indices]
    if len(set(patterns)) != len(patterns):
        raise SystemExit("duplicate index patterns")

    write(args.out, {
        "schema": SCHEMA,
        "sources": dict(sorted(sources.items())),
        "specs": spec_list,
        "dynamic_templates": templates,
        "ecs": {"version": ecs_doc["version"], "fields": ids(ecs_fields)},
        "indices": indices,
    })
    size = os.path.getsize(args.out)
    nfields = sum(len(ix["fields"]) for ix in indices)
    print(f"{args.out}: {size} bytes, {len(spec_list)} specs, {len(ecs_fields)} ECS fields, "
          f"{len(indices)} indices, {nfields} index field entries", file=sys.stderr)
    if unattached:
        print("non-ECS patterns covering no catalog index (left out): " + ", ".join(unattached), file=sys.stderr)


def dumps(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write_map(m, indent):
    """A {name: id} map, one entry per line."""
    if not m:
        return "{}"
    body = ",\n".join(f"{indent} {dumps(k)}:{v}" for k, v in m.items())
    return "{\n" + body + "\n" + indent + "}"


def write(path, doc):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    out = ["{", f'"schema":{dumps(doc["schema"])},']
    out.append('"sources":{\n' + ",\n".join(f" {dumps(k)}:{dumps(v)}" for k, v in doc["sources"].items()) + "\n},")
    out.append('"specs":[\n' + ",\n".join(" " + dumps(s) for s in doc["specs"]) + "\n],")
    sets = []
    for name, rows in doc["dynamic_templates"].items():
        sets.append(f" {dumps(name)}:[\n" + ",\n".join("  " + dumps(r) for r in rows) + "\n ]")
    out.append('"dynamic_templates":{\n' + ",\n".join(sets) + "\n},")
    out.append(f'"ecs":{{"version":{dumps(doc["ecs"]["version"])},"fields":'
               + write_map(doc["ecs"]["fields"], "") + "},")
    rows = []
    for ix in doc["indices"]:
        head = {k: v for k, v in ix.items() if k not in ("fields", "supplement")}
        head_s = dumps(head)[:-1]
        rows.append(head_s + ',"fields":' + write_map(ix["fields"], "")
                    + ',"supplement":' + write_map(ix["supplement"], "") + "}")
    out.append('"indices":[\n' + ",\n".join(rows) + "\n]")
    out.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
