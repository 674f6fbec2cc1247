"""Run EQL queries on events with Elastic's `eql` package (its Python engine, Elasticsearch syntax).

Usage: python3 oracle_eql_match.py CASES.json, where CASES.json is a list of JSON texts, each
{"query", "events"} (events: flat JSON objects). Prints a JSON list, per case, of a string with one character per event:
`1` match, `0` no match, or {"error": message} when the query does not parse or run.
Exit 3 when the `eql` module is missing, so the Rust test can skip with a reason.
"""
import json
import sys

try:
    import eql
    from eql.parser import elasticsearch_syntax, ignore_missing_functions
except ImportError:
    print("python module `eql` is missing (pip install eql==1.0.1)", file=sys.stderr)
    sys.exit(3)



def nest(flat):
    """Dotted keys (`process.name`) as nested objects, as Elasticsearch sees them."""
    out = {}
    for key, value in flat.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return out


cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = []
for text in cases:
    case = json.loads(text)
    try:
        with elasticsearch_syntax, ignore_missing_functions:
            query = eql.parse_query(case["query"])
        hits = set()
        engine = eql.PythonEngine()
        engine.add_output_hook(lambda e: hits.add(e.events[0].data["__index"]))
        engine.add_query(query)
        events = []
        for i, data in enumerate(case["events"]):
            data = nest(data)
            data["__index"] = i
            # `any where` matches every event type; the type field is irrelevant to the test.
            events.append(eql.Event("any", 0, data))
        engine.stream_events(events)
        out.append("".join("1" if i in hits else "0" for i in range(len(case["events"]))))
    except Exception as e:  # noqa: BLE001 - every failure is reported per case
        out.append({"error": str(e).splitlines()[0] if str(e) else type(e).__name__})
print(json.dumps(out))
