"""Parse EQL queries with Elastic's `eql` package against a per-index schema (field names and types).

Usage: python3 oracle_eql_schema.py INPUT.json
INPUT: {"schemas": {INDEX: {"fields": {NAME: TYPE}, "open": {PREFIX: TYPE}}},
        "queries": [{"query": EQL, "indices": [INDEX, ...]}]}
TYPE is an `eql` primitive ("string", "number", "boolean", "null") or "mixed" (any type). A name
under an `open` prefix (`PREFIX.anything`: a flattened field, an object with `object_type`) has
that prefix's type.

Prints a JSON list, one entry per query: {"unknown": {INDEX: [FIELD, ...]}, "errors": {INDEX: MSG}}.
`unknown` are the fields `eql` refused as "Field not recognized" with that index's schema (each
refused field is then allowed and the query parsed again, so every unknown field is found, not just
the first); `errors` are other errors (type mismatches, syntax) the parser raised with that schema.
The schema is consulted through `eql.Schema.get_event_type_hint`, the hook the parser calls for
every field, so the parser (not this script) decides which names are fields.

Exit 3 when the `eql` module is missing, so the Rust test can skip with a reason.
"""
import json
import sys

try:
    import eql
    from eql.errors import EqlSchemaError
    from eql.parser import elasticsearch_syntax, ignore_missing_functions
    from eql.schema import primitive_lookup
    from eql.types import TypeHint
except ImportError:
    print("python module `eql` is missing (pip install eql==1.0.1)", file=sys.stderr)
    sys.exit(3)


def hint(type_name):
    if type_name == "mixed":
        return TypeHint.Unknown, None
    return primitive_lookup[type_name], None


class FlatSchema(eql.Schema):
    """An `eql.Schema` over dotted field names (every event type sees the same fields)."""

    def __init__(self, lookup):
        self.lookup = lookup  # dotted name -> type name, or None when unknown
        self.asked = []  # every name the parser asked for, in order
        super().__init__({"any_event": {}}, allow_any=True, allow_generic=True, allow_missing=False)

    def validate_event_type(self, event_type):
        return True

    def get_event_type_hint(self, event_type, path):
        name = ".".join(str(p) for p in path)
        self.asked.append(name)
        t = self.lookup(name)
        return None if t is None else hint(t)


def index_lookup(schema):
    fields = schema.get("fields", {})
    opened = schema.get("open", {})

    def lookup(name):
        if name in fields:
            return fields[name]
        best = None
        for prefix, t in opened.items():
            if name.startswith(prefix + ".") and (best is None or len(prefix) > len(best[0])):
                best = (prefix, t)
        return best[1] if best else None

    return lookup


def parse(query, schema):
    with elasticsearch_syntax, ignore_missing_functions, schema:
        eql.parse_query(query)


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    lookups = {name: index_lookup(s) for name, s in data["schemas"].items()}
    out = []
    for item in data["queries"]:
        query = item["query"]
        entry = {"unknown": {}, "errors": {}}
        out.append(entry)
        # The names the parser treats as fields (every one allowed, of any type).
        recorder = FlatSchema(lambda name: "mixed")
        try:
            parse(query, recorder)
        except Exception as e:  # noqa: BLE001 - a syntax error is a finding for every index
            for index in item["indices"]:
                entry["errors"][index] = str(e)
            continue
        used = sorted(set(recorder.asked))
        # Indices that type the used fields identically give the same verdict: parse once per group.
        groups = {}
        for index in item["indices"]:
            projection = tuple((f, lookups[index](f)) for f in used)
            groups.setdefault(projection, []).append(index)
        for projection, indices in groups.items():
            known = dict(projection)
            unknown = []
            error = None
            while True:
                schema = FlatSchema(lambda name: known.get(name))
                try:
                    parse(query, schema)
                    break
                except EqlSchemaError as e:
                    if "Field not recognized" not in str(e):
                        error = str(e)
                        break
                    missing = schema.asked[-1]
                    if missing in unknown or known.get(missing) is not None:
                        error = str(e)
                        break
                    unknown.append(missing)
                    known[missing] = "mixed"
                except Exception as e:  # noqa: BLE001 - type mismatches and the like
                    error = str(e)
                    break
            for index in indices:
                if unknown:
                    entry["unknown"][index] = sorted(unknown)
                if error is not None:
                    entry["errors"][index] = error
    print(json.dumps(out))


main()
