"""Run EQL queries on events with Elastic's `eql` package (its Python engine, Elasticsearch syntax).

Usage: python3 oracle_eql_match.py CASES.json, where CASES.json is a list of JSON texts, each
{"query", "events", "expected"?} (events: flat JSON objects; expected: one `1`/`0` per event, the
evaluator's verdicts). Prints a JSON list, per case, of {"got": one character per event (`1` match,
`0` no match), "explained": {event index: difference}}, or {"error": message} when the query does
not parse or run. Exit 3 when the `eql` module is missing, so the Rust test can skip with a reason.

The Python engine keeps legacy EQL semantics in five places where Elasticsearch's EQL differs
(docs/testing.md, "Known engine differences"). For every event where the engine and `expected`
disagree, the case is re-run with each difference switched to Elasticsearch's behaviour, one at a
time; the first that makes the engine agree names the difference in `explained`. An event no single
switch explains but all five together do is `several`; an event nothing explains is left out of
`explained`: the Rust test fails on it.
"""
import json
import sys

try:
    import eql
    import eql.utils
    from eql import ast
    from eql.functions import CidrMatch, Match, Wildcard
    from eql.parser import LarkToEQL, elasticsearch_syntax, ignore_missing_functions
except ImportError:
    print("python module `eql` is missing (pip install eql==1.0.1)", file=sys.stderr)
    sys.exit(3)

import re

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


def field_name(node):
    return ".".join([node.base] + [str(p) for p in node.path])


def numeric_fields(query):
    """The fields the query compares with numbers."""
    numeric = set()
    for node in query:
        if isinstance(node, ast.Comparison):
            sides = (node.left, node.right)
            if any(isinstance(s, ast.Number) for s in sides):
                numeric.update(field_name(s) for s in sides if isinstance(s, ast.Field))
    return numeric


# --- the engine's differences from Elasticsearch, each as a switch to Elasticsearch's behaviour


def es_numbers(query, events):
    """A JSON number in a string (keyword) field: Elasticsearch indexes its text, so
    `f : "3008"` matches `3008`; the engine compares a number with a string and fails. The event's
    numbers become text except on fields the query compares with numbers."""
    numeric = numeric_fields(query)
    out = []
    for e in events:
        out.append({k: (str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in numeric else v)
                    for k, v in e.items()})
    return out


class Switch:
    """A monkeypatch of the engine, applied around one run."""

    def __init__(self, name, apply, restore):
        self.name, self.apply, self.restore = name, apply, restore


# Elasticsearch semantics the engine switches read (all off: the engine as shipped).
ES = {"qmark": False, "full": False}
_saved = {
    "to_regex": Wildcard.__dict__["to_regex"],
    "match_callback": Match.__dict__["get_callback"],
    "engine_fold": eql.engine.fold_case,
    "predicate": LarkToEQL.__dict__["string_predicate"],
}


def _pattern(w, fold):
    body = ""
    for c in (eql.utils.fold_case(w) if fold else w):
        body += ".*" if c == "*" else "." if c == "?" and ES["qmark"] else re.escape(c)
    return "^" + body + "$"


def _qmark_to_regex(cls, *wildcards):
    # `like`/`like~` in Elasticsearch: `*` any characters, `?` exactly one; the engine knows `*` only.
    return "|".join(_pattern(w, True) for w in wildcards)


def _qmark_on():
    ES["qmark"] = True
    Wildcard.to_regex = classmethod(_qmark_to_regex)


def _qmark_off():
    ES["qmark"] = False
    Wildcard.to_regex = _saved["to_regex"]


def _regex_callback(regex_literals, flags):
    body = "|".join(r.value for r in regex_literals)
    if ES["full"]:
        compiled = re.compile("(?:" + body + ")", flags)
        test = compiled.fullmatch
    else:
        test = re.compile(body, flags).match

    def callback(source, *_):
        if eql.utils.is_string(source):
            return test(source) is not None

    return callback


def _full_callback(cls, source_ast, *regex_literals):
    # Elasticsearch's `regex` is a Lucene regexp: it must match the whole value; the engine uses
    # Python's `re.match`, anchored at the start only.
    return _regex_callback(regex_literals, eql.functions.regex_flags())


def _full_on():
    ES["full"] = True
    Match.get_callback = classmethod(_full_callback)


def _full_off():
    ES["full"] = False
    Match.get_callback = _saved["match_callback"]


@eql.functions.register
class WildcardCased(Wildcard):
    """`like` as Elasticsearch runs it: case-sensitive."""

    name = "wildcardCased"

    @classmethod
    def get_callback(cls, source_ast, *wildcard_literals):
        compiled = re.compile("|".join(_pattern(w.value, False) for w in wildcard_literals),
                              eql.functions.REGEX_FLAGS)

        def callback(source, *_):
            if eql.utils.is_string(source):
                return compiled.match(source) is not None

        return callback


@eql.functions.register
class MatchCased(Match):
    """`regex` as Elasticsearch runs it: case-sensitive."""

    name = "matchCased"

    @classmethod
    def get_callback(cls, source_ast, *regex_literals):
        return _regex_callback(regex_literals, eql.functions.REGEX_FLAGS)


def _cased_predicate(self, node):
    out = _saved["predicate"](self, node)
    cased = {"like": "wildcardCased", "regex": "matchCased"}.get(node["STRING_PREDICATE"])
    if cased:
        out.node.name = cased
    return out


def _cased_on():
    # The engine folds case for every operator; in Elasticsearch `==`, `like` and `regex` are
    # case-sensitive (`:`, `like~`, `regex~` fold case and keep doing so here).
    eql.engine.fold_case = lambda v: v
    LarkToEQL.string_predicate = _cased_predicate


def _cased_off():
    eql.engine.fold_case = _saved["engine_fold"]
    LarkToEQL.string_predicate = _saved["predicate"]


def _cidr_callback(cls, _, *cidr_matches):
    # Elasticsearch's cidrMatch runs on an `ip` field, which cannot hold a value that is not an
    # address (the field is then absent: no match); the engine raises on such a value and fails the
    # whole query.
    networks = [eql.utils.get_subnet(c.value) for c in cidr_matches]

    def callback(source, *_):
        if eql.utils.is_string(source):
            try:
                address = eql.utils.get_ipaddress(source)
            except ValueError:
                return False
            return any(address in n for n in networks)
        return False

    return callback


_saved["cidr"] = CidrMatch.__dict__["get_callback"]


def _cidr_on():
    CidrMatch.get_callback = classmethod(_cidr_callback)


def _cidr_off():
    CidrMatch.get_callback = _saved["cidr"]


def _null_negate(self, node):
    get_value = self.convert(node.term)
    return lambda scope: not get_value(scope)


_saved["to_bool"] = eql.engine.PythonEngine.__dict__["to_bool_or_null"]
_saved["not"] = eql.engine.PythonEngine.__dict__["_convert_not"]


def _null_on():
    # A test on a missing field is null in the engine and null propagates through `and`, `or` and
    # `not` (three-valued logic), so `not (f : "x")` drops an event without `f`; Elasticsearch turns
    # the condition into a query where such a test is false and `not` is a `must_not` that matches.
    eql.engine.PythonEngine.to_bool_or_null = staticmethod(bool)
    eql.engine.PythonEngine._convert_not = _null_negate


def _null_off():
    eql.engine.PythonEngine.to_bool_or_null = _saved["to_bool"]
    eql.engine.PythonEngine._convert_not = _saved["not"]


CIDR = Switch("cidr-non-address", _cidr_on, _cidr_off)

SWITCHES = [
    ("missing-field-is-null", "engine", Switch("null", _null_on, _null_off)),
    ("number-in-keyword-field", "event", es_numbers),
    ("like-question-mark", "engine", Switch("qmark", _qmark_on, _qmark_off)),
    ("regex-whole-value", "engine", Switch("full", _full_on, _full_off)),
    ("cased-operators-fold-case", "engine", Switch("cased", _cased_on, _cased_off)),
]


def run(text, events, switches=()):
    """Per-event verdicts of `text` on `events` with the given engine switches on."""
    for s in switches:
        s.apply()
    try:
        with elasticsearch_syntax, ignore_missing_functions:
            query = eql.parse_query(text)
        hits = set()
        engine = eql.PythonEngine()
        engine.add_output_hook(lambda e: hits.add(e.events[0].data["__index"]))
        engine.add_query(query)
        batch = []
        for i, data in enumerate(events):
            data = nest(data)
            data["__index"] = i
            # `any where` matches every event type; the type field is irrelevant to the test.
            batch.append(eql.Event("any", 0, data))
        engine.stream_events(batch)
        return "".join("1" if i in hits else "0" for i in range(len(events)))
    finally:
        for s in switches:
            s.restore()


def parsed(text):
    with elasticsearch_syntax, ignore_missing_functions:
        return eql.parse_query(text)


def explain(text, events, expected, got, base):
    """For each event where `got` differs from `expected`: the difference that explains it."""
    query = parsed(text)
    out = {}
    todo = [i for i, (a, b) in enumerate(zip(expected, got)) if a != b]
    if not todo:
        return out

    def verdicts(names):
        evs = list(events)
        engine = list(base)
        for name, kind, how in SWITCHES:
            if name not in names:
                continue
            if kind == "event":
                evs = how(query, evs)
            else:
                engine.append(how)
        return run(text, evs, engine)

    for name, _, _ in SWITCHES:
        v = verdicts({name})
        for i in list(todo):
            if v[i] == expected[i]:
                out[i] = name
                todo.remove(i)
    if todo:
        names = {n for n, _, _ in SWITCHES}
        v = verdicts(names)
        for i in list(todo):
            if v[i] == expected[i]:
                out[i] = "several"
                todo.remove(i)
    return out


cases = json.load(open(sys.argv[1], encoding="utf-8"))
result = []
for text in cases:
    case = json.loads(text)
    try:
        base, workaround = [], None
        try:
            got = run(case["query"], case["events"])
        except ValueError as e:
            if "does not appear to be an IPv4 or IPv6 address" not in str(e):
                raise
            # The engine fails the whole query on one event; Elasticsearch's verdicts come from
            # the switched engine, and the rule counts under this difference.
            base, workaround = [CIDR], CIDR.name
            got = run(case["query"], case["events"], base)
        explained = {}
        if "expected" in case:
            explained = explain(case["query"], case["events"], case["expected"], got, base)
        out = {"got": got, "explained": {str(k): v for k, v in explained.items()}}
        if workaround:
            out["workaround"] = workaround
        result.append(out)
    except Exception as e:  # noqa: BLE001 - every failure is reported per case
        result.append({"error": str(e).splitlines()[0] if str(e) else type(e).__name__})
print(json.dumps(result))
