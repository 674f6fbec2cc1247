#!/usr/bin/env python3
"""Build sigmaforge's embedded ATT&CK tables (format "sigmaforge-attack/1").

sigmaforge embeds one small JSON table per ATT&CK domain under data/attack/ and
accepts a newer one at run time with --attack-data. This script produces those
tables so that moving to a new ATT&CK release is one command plus a review of the
diff, never a code change.

Inputs (standard library only):
  --stix FILE     an official MITRE STIX 2.1 (or 2.0) bundle such as
                  enterprise-attack.json / ics-attack.json / mobile-attack.json
                  (optionally .gz), as published in mitre-attack/attack-stix-data.
  --compact FILE  an "attack-compact/1" table (the research tables in
                  shared/attack/), reshaped without any change to the facts.
                  This is how the shipped v19.1 tables were made, because only
                  those tables were available offline.

Usage:
  scripts/gen_attack_tables.py --stix enterprise-attack-19.1.json --out data/attack/enterprise.json
  scripts/gen_attack_tables.py --compact ../shared/attack/attack-ics.json --out data/attack/ics.json

Output: one JSON object, one array element per line so a new ATT&CK release
shows up as a readable diff. Keys:
  schema, domain, attack_version, source,
  tactics     [{id, shortname, name, deprecated?}]          matrix order
  techniques  [{id, name, tactics, platforms, deprecated?, revoked?, revoked_by?}]
  groups, software, campaigns, mitigations, data_sources, data_components, assets
              [{id, name, deprecated?, revoked?}]
Flags are written only when true. A sub-technique's parent is its ID before
the dot. revoked_by follows "revoked-by" relationship chains to the final,
non-revoked object.
"""
import argparse
import gzip
import json
import sys

SCHEMA = "sigmaforge-attack/1"
ATTACK_SOURCES = {"mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"}
OBJECT_KINDS = {
    "intrusion-set": "groups",
    "malware": "software",
    "tool": "software",
    "campaign": "campaigns",
    "course-of-action": "mitigations",
    "x-mitre-data-source": "data_sources",
    "x-mitre-data-component": "data_components",
    "x-mitre-asset": "assets",
}
ID_PREFIX = {
    "groups": "G",
    "software": "S",
    "campaigns": "C",
    "mitigations": "M",
    "data_sources": "DS",
    "data_components": "DC",
    "assets": "A",
}
LISTS = ["groups", "software", "campaigns", "mitigations", "data_sources", "data_components", "assets"]


def read_json(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def attack_id(obj):
    for ref in obj.get("external_references") or []:
        if ref.get("source_name") in ATTACK_SOURCES and ref.get("external_id"):
            return ref["external_id"]
    return None


def flags(obj):
    out = {}
    if obj.get("x_mitre_deprecated"):
        out["deprecated"] = True
    if obj.get("revoked"):
        out["revoked"] = True
    return out


def from_stix(path, domain_arg):
    bundle = read_json(path)
    objs = bundle.get("objects", []) if isinstance(bundle, dict) else bundle
    by_ref = {o["id"]: o for o in objs if "id" in o}

    version = None
    domain = domain_arg
    for o in objs:
        if o.get("type") == "x-mitre-collection":
            version = o.get("x_mitre_version") or version
            name = (o.get("name") or "").lower()
            if domain is None:
                for d in ("enterprise", "mobile", "ics"):
                    if d in name:
                        domain = d + "-attack"
    if version is None:
        sys.exit("no x-mitre-collection with x_mitre_version in the bundle; cannot name the ATT&CK version")
    if domain is None:
        sys.exit("cannot tell the domain from the bundle; pass --domain")

    revoked_by_ref = {}
    for o in objs:
        if o.get("type") == "relationship" and o.get("relationship_type") == "revoked-by":
            revoked_by_ref[o["source_ref"]] = o["target_ref"]

    def final_replacement(ref):
        seen = set()
        while ref in revoked_by_ref and ref not in seen:
            seen.add(ref)
            ref = revoked_by_ref[ref]
        target = by_ref.get(ref)
        return attack_id(target) if target else None

    # Tactics in matrix order. A domain has one matrix; if a bundle ever carries
    # several, the first non-deprecated one wins and the others append new tactics.
    tactic_order = []
    for o in objs:
        if o.get("type") == "x-mitre-matrix" and not o.get("revoked"):
            for ref in o.get("tactic_refs") or []:
                if ref not in tactic_order:
                    tactic_order.append(ref)
    tactics = []
    listed = set()
    for ref in tactic_order:
        t = by_ref.get(ref)
        if t is None:
            continue
        listed.add(ref)
        tactics.append({"id": attack_id(t), "shortname": t.get("x_mitre_shortname"), "name": t.get("name"), **flags(t)})
    for o in sorted(objs, key=lambda x: attack_id(x) or ""):
        if o.get("type") == "x-mitre-tactic" and o["id"] not in listed and attack_id(o):
            # tactics missing from the matrix are retired ones: keep them, flagged
            tactics.append({"id": attack_id(o), "shortname": o.get("x_mitre_shortname"), "name": o.get("name"),
                            "deprecated": True, **({"revoked": True} if o.get("revoked") else {})})
    shortnames = [t["shortname"] for t in tactics]

    techniques = {}
    for o in objs:
        if o.get("type") != "attack-pattern":
            continue
        tid = attack_id(o)
        if not tid or not tid.startswith("T"):
            continue
        phases = [p["phase_name"] for p in o.get("kill_chain_phases") or []
                  if p.get("kill_chain_name") in ATTACK_SOURCES]
        phases = sorted(set(phases), key=lambda s: (shortnames.index(s) if s in shortnames else len(shortnames), s))
        row = {"id": tid, "name": o.get("name"), "tactics": phases,
               "platforms": sorted(set(o.get("x_mitre_platforms") or [])), **flags(o)}
        if o.get("revoked"):
            repl = final_replacement(o["id"])
            if repl:
                row["revoked_by"] = repl
        prev = techniques.get(tid)
        # a bundle may hold an old revoked object and its current namesake: keep the current one
        if prev is None or (prev.get("revoked") and not row.get("revoked")):
            techniques[tid] = row

    lists = {k: {} for k in LISTS}
    for o in objs:
        kind = OBJECT_KINDS.get(o.get("type"))
        if kind is None:
            continue
        oid = attack_id(o)
        # the prefix check also drops pre-2019 courses of action, which carry T-numbers
        if not oid or not oid.startswith(ID_PREFIX[kind]):
            continue
        row = {"id": oid, "name": o.get("name"), **flags(o)}
        prev = lists[kind].get(oid)
        if prev is None or (prev.get("revoked") and not row.get("revoked")):
            lists[kind][oid] = row

    return {
        "domain": domain,
        "attack_version": str(version),
        "source": f"MITRE ATT&CK STIX bundle {path.rsplit('/', 1)[-1]} (x-mitre-collection version {version})",
        "tactics": tactics,
        "techniques": [techniques[k] for k in sorted(techniques)],
        **{k: [lists[k][i] for i in sorted(lists[k])] for k in LISTS},
    }


def from_compact(path):
    src = read_json(path)
    if src.get("schema") != "attack-compact/1":
        sys.exit(f"{path}: expected schema attack-compact/1, found {src.get('schema')!r}")

    def keep_flags(o):
        return {k: True for k in ("deprecated", "revoked") if o.get(k)}

    tactics = [{"id": t["id"], "shortname": t["shortname"], "name": t["name"], **keep_flags(t)} for t in src["tactics"]]
    techniques = []
    for t in sorted(src["techniques"], key=lambda x: x["id"]):
        row = {"id": t["id"], "name": t["name"], "tactics": list(t.get("tactics") or []),
               "platforms": sorted(set(t.get("platforms") or [])), **keep_flags(t)}
        if t.get("revoked_by"):
            row["revoked_by"] = t["revoked_by"]
        techniques.append(row)
    out = {
        "domain": src["domain"],
        "attack_version": src["attack_version"],
        "source": f"reshaped from attack-compact/1 table ({path.rsplit('/', 1)[-1]}); "
                  f"underlying data: {src.get('source', {}).get('stix', 'unknown')}"
                  + (f" + overlay {src['source']['overlay']}" if src.get("source", {}).get("overlay") else ""),
        "tactics": tactics,
        "techniques": techniques,
    }
    for k in LISTS:
        out[k] = [{"id": o["id"], "name": o["name"], **keep_flags(o)}
                  for o in sorted(src.get(k) or [], key=lambda x: x["id"])]
    return out


def write(table, out):
    head = {"schema": SCHEMA, "domain": table["domain"], "attack_version": table["attack_version"],
            "source": table["source"],
            "notice": "ATT&CK(R) data (c) The MITRE Corporation, used under the ATT&CK terms of use "
                      "(https://attack.mitre.org/resources/legal-and-branding/terms-of-use/)"}
    parts = []
    for k, v in head.items():
        parts.append(f"{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}")
    for k in ["tactics", "techniques"] + LISTS:
        rows = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in table[k])
        parts.append(f"{json.dumps(k)}:[\n{rows}\n]" if rows else f"{json.dumps(k)}:[]")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)  # refuse to write something the loader could not read
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    active = [t for t in table["techniques"] if not t.get("revoked") and not t.get("deprecated")]
    print(f"{out}: {table['domain']} {table['attack_version']}: {len(table['tactics'])} tactics, "
          f"{sum('.' not in t['id'] for t in active)} techniques, {sum('.' in t['id'] for t in active)} "
          f"sub-techniques active; {len(text)} bytes", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--stix", help="MITRE STIX 2.x bundle (.json or .json.gz)")
    src.add_argument("--compact", help="attack-compact/1 table to reshape")
    ap.add_argument("--domain", choices=["enterprise-attack", "mobile-attack", "ics-attack"],
                    help="domain, when the bundle's collection name does not tell")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    table = from_stix(a.stix, a.domain) if a.stix else from_compact(a.compact)
    write(table, a.out)


if __name__ == "__main__":
    main()
