// Real-Lucene oracle for sigmaforge's es-qs output (Lucene 8.7 classic query parser, Debian's
// liblucene8-java). Compiled and run by tests/lucene_oracle.rs; every input string is base64 (UTF-8)
// so queries may hold any character.
//
//   java Oracle parse FILE   one query per line            -> "OK" or "ERR <message>" per line
//                            (syntax only: wildcard/regex automata are not built, regex syntax is checked)
//   java Oracle canon FILE   one query per line            -> canonical query text or "ERR <message>"
//   java Oracle match FILE   "Q <query>" then "E f:v f:v…"  -> per Q, one '0'/'1' per following E
//
// Elasticsearch extensions are modelled the way ES implements them: `_exists_:f` is a term on a
// hidden field-names field, `f:*` is an exists query, numeric ranges compare numbers (a double twin
// field), and a group of only negative clauses matches "everything except". Every field is a
// case-sensitive keyword (KeywordAnalyzer), like ECS keyword/wildcard fields.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.memory.MemoryIndex;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

public class Oracle {
    static final String NAMES = "_field_names";
    static final Analyzer KW = new KeywordAnalyzer();

    static String dec(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    static class Parser extends MultiFieldQueryParser {
        final boolean syntaxOnly;

        Parser(String[] fields, boolean syntaxOnly) {
            super(fields, KW);
            this.syntaxOnly = syntaxOnly;
            setAllowLeadingWildcard(true);
            setDefaultOperator(OR_OPERATOR);
        }

        static Query exists(String field) {
            return new TermQuery(new Term(NAMES, field));
        }

        @Override
        protected Query getFieldQuery(String field, String text, boolean quoted) throws ParseException {
            if ("_exists_".equals(field)) {
                return exists(text);
            }
            return super.getFieldQuery(field, text, quoted);
        }

        @Override
        protected Query getWildcardQuery(String field, String term) throws ParseException {
            if (field != null && "*".equals(term)) {
                return exists(field);
            }
            if (syntaxOnly) {
                return new TermQuery(new Term(field == null ? "_default" : field, "W:" + term));
            }
            return super.getWildcardQuery(field, term);
        }

        static Double num(String s) {
            if (s == null || "*".equals(s)) {
                return null;
            }
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }

        @Override
        protected Query getRangeQuery(String field, String a, String b, boolean incA, boolean incB)
                throws ParseException {
            Double lo = num(a), hi = num(b);
            boolean numeric = (lo == null || !lo.isNaN()) && (hi == null || !hi.isNaN());
            if (field != null && numeric) {
                double l = lo == null ? Double.NEGATIVE_INFINITY : (incA ? lo : Math.nextUp(lo));
                double h = hi == null ? Double.POSITIVE_INFINITY : (incB ? hi : Math.nextDown(hi));
                return DoublePoint.newRangeQuery(field + "#num", l, h);
            }
            return super.getRangeQuery(field, a, b, incA, incB);
        }

        @Override
        protected Query getRegexpQuery(String field, String term) throws ParseException {
            if (syntaxOnly) {
                // Validate the RegExp syntax without building its automaton (that costs seconds per
                // thousand queries and is Elasticsearch's job at search time).
                try {
                    new org.apache.lucene.util.automaton.RegExp(term);
                } catch (IllegalArgumentException e) {
                    throw new ParseException("bad regex /" + term + "/: " + e.getMessage());
                }
                return new TermQuery(new Term(field == null ? "_default" : field, "/" + term + "/"));
            }
            return super.getRegexpQuery(field, term);
        }

        @Override
        protected Query getBooleanQuery(List<BooleanClause> clauses) throws ParseException {
            Query q = super.getBooleanQuery(clauses);
            if (q instanceof BooleanQuery && !clauses.isEmpty()
                    && clauses.stream().allMatch(c -> c.getOccur() == BooleanClause.Occur.MUST_NOT)) {
                BooleanQuery.Builder b = new BooleanQuery.Builder();
                b.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST);
                for (BooleanClause c : clauses) {
                    b.add(c);
                }
                return b.build();
            }
            return q;
        }
    }

    /** Canonical text: nested groups of one kind flattened, clauses sorted, so two queries that Lucene
     *  parses to the same boolean structure print the same. */
    static String canon(Query q) {
        if (q instanceof BooleanQuery) {
            BooleanQuery bq = (BooleanQuery) q;
            List<BooleanClause> cl = bq.clauses();
            if (cl.size() == 1 && cl.get(0).getOccur() != BooleanClause.Occur.MUST_NOT) {
                return canon(cl.get(0).getQuery());
            }
            List<String> parts = new ArrayList<>();
            for (BooleanClause c : cl) {
                String inner = canon(c.getQuery());
                String tag = c.getOccur() == BooleanClause.Occur.MUST_NOT ? "-" : "";
                boolean sameKind = c.getOccur() != BooleanClause.Occur.MUST_NOT
                        && inner.startsWith(kind(bq) + "(");
                if (sameKind) {
                    // Flatten: drop "K(" and ")".
                    parts.addAll(splitTop(inner.substring(2, inner.length() - 1)));
                } else {
                    parts.add(tag + inner);
                }
            }
            java.util.Collections.sort(parts);
            return kind(bq) + "(" + String.join(" ", new LinkedHashSet<>(parts)) + ")";
        }
        return q.toString();
    }

    static String kind(BooleanQuery bq) {
        boolean anyShould = bq.clauses().stream().anyMatch(c -> c.getOccur() == BooleanClause.Occur.SHOULD);
        return anyShould ? "O" : "A";
    }

    static List<String> splitTop(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ' ' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        String mode = args[0];
        if (mode.equals("parse") || mode.equals("canon")) {
            Parser p = new Parser(new String[] {"_default"}, true);
            for (String l : lines) {
                long t0 = System.nanoTime();
                try {
                    Query q = p.parse(dec(l));
                    long ms = (System.nanoTime() - t0) / 1000000;
                    if (System.getenv("ORACLE_SLOW_MS") != null && ms > Long.parseLong(System.getenv("ORACLE_SLOW_MS"))) {
                        System.err.println(ms + " ms: " + dec(l));
                    }
                    out.append(mode.equals("parse") ? "OK" : canon(q).replace('\n', ' ')).append('\n');
                } catch (Exception e) {
                    out.append("ERR ").append(String.valueOf(e.getMessage()).replace('\n', ' ')).append('\n');
                }
            }
        } else if (mode.equals("match")) {
            String query = null;
            StringBuilder row = null;
            for (String l : lines) {
                if (l.startsWith("Q ")) {
                    if (row != null) out.append(row).append('\n');
                    query = dec(l.substring(2));
                    row = new StringBuilder();
                } else if (l.startsWith("E")) {
                    MemoryIndex mi = new MemoryIndex();
                    List<String> fields = new ArrayList<>();
                    for (String pair : l.substring(1).trim().split(" ")) {
                        if (pair.isEmpty()) continue;
                        int eq = pair.indexOf(':');
                        String f = dec(pair.substring(0, eq));
                        String v = dec(pair.substring(eq + 1));
                        mi.addField(f, v, KW);
                        mi.addField(NAMES, f, KW);
                        if (!fields.contains(f)) fields.add(f);
                        try {
                            mi.addField(new DoublePoint(f + "#num", Double.parseDouble(v)), KW);
                        } catch (NumberFormatException e) {
                            // not numeric
                        }
                    }
                    try {
                        Query q = new Parser(fields.toArray(new String[0]), false).parse(query);
                        row.append(mi.search(q) > 0.0f ? '1' : '0');
                    } catch (Exception e) {
                        row.append('E');
                    }
                }
            }
            if (row != null) out.append(row).append('\n');
        }
        System.out.print(out);
    }
}
