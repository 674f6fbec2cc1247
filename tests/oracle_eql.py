"""Parse every EQL query of a JSON list with Elastic's `eql` package (Elasticsearch syntax).

Usage: python3 oracle_eql.py QUERIES.json  -> prints a JSON list of {"index", "query", "error"}.
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

queries = json.load(open(sys.argv[1], encoding="utf-8"))
errors = []
with elasticsearch_syntax, ignore_missing_functions:
    for i, q in enumerate(queries):
        try:
            eql.parse_query(q)
        except Exception as e:  # noqa: BLE001 - every parser error is a finding
            errors.append({"index": i, "query": q, "error": str(e).splitlines()[0:6]})
print(json.dumps(errors))
