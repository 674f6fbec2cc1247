"""Parse every ES|QL query of a JSON list with the ANTLR grammar of Elasticsearch (`esql-parser`).

Usage: python3 oracle_esql.py QUERIES.json  -> prints a JSON list of {"index", "query", "error"}.
Exit 3 when the module is missing, so the Rust test can skip with a reason.
"""
import json
import sys

try:
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from esql_parser.EsqlBaseLexer import EsqlBaseLexer
    from esql_parser.EsqlBaseParser import EsqlBaseParser
except ImportError:
    print("python module `esql_parser` is missing (pip install esql-parser==9.1.3)", file=sys.stderr)
    sys.exit(3)


class Collect(ErrorListener):
    def __init__(self):
        self.errors = []

    def syntaxError(self, recognizer, offending, line, column, msg, e):  # noqa: N802 - ANTLR API
        self.errors.append(f"{line}:{column} {msg}")


queries = json.load(open(sys.argv[1], encoding="utf-8"))
errors = []
for i, q in enumerate(queries):
    listener = Collect()
    lexer = EsqlBaseLexer(InputStream(q))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = EsqlBaseParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    parser.singleStatement()
    if listener.errors:
        errors.append({"index": i, "query": q, "error": listener.errors[:5]})
print(json.dumps(errors))
