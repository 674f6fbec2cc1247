// Real-Lucene oracle for sigmaforge's es-qs output (Lucene 8.7 classic query parser, Debian's
// liblucene8-java). Compiled and run by the integration tests through tests/oracle/harness.rs; every
// input string is base64 (UTF-8) so queries may hold any character. ORACLE_SLOW_MS=n prints parse
// times above n ms to stderr.
//
//   java Oracle parse FILE   one query per line            -> "OK", "OK >1024 clauses" or "ERR <message>"
//                            (syntax only: wildcard/regex automata are not built, regex syntax is checked)
//   java Oracle canon FILE   one query per line            -> canonical query text or "ERR <message>"
//   java Oracle match FILE   "Q <query>" then "E f:v f:v…"  -> per Q, one '0'/'1' per following E
//
// Elasticsearch extensions are modelled the way ES implements them: `_exists_:f` is a term on a
// hidden field-names field, `f:*` is an exists query, `f:>10`-style shorthands and ranges compare
// numbers (a double twin field), and a group of only negative clauses matches "everything except". Every field is a
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
            // Elasticsearch's `f:>10`, `f:<=5` shorthand (unquoted only).
            if (!quoted && field != null && (text.startsWith(">") || text.startsWith("<"))) {
                boolean inc = text.length() > 1 && text.charAt(1) == '=';
                String bound = text.substring(inc ? 2 : 1);
                if (!bound.isEmpty()) {
                    return text.startsWith(">")
                            ? getRangeQuery(field, bound, null, inc, true)
                            : getRangeQuery(field, null, bound, true, inc);
                }
            }
            return super.getFieldQuery(field, text, quoted);
        }

        @Override
        protected Query getWildcardQuery(String field, String term) throws ParseException {
            if (field != null && "*".equals(term)) {
                return exists(field);
            }
            if (syntaxOnly) {
                return new TermQuery(new Term(field == null ? "_default" : field, "W:" + canonWildcard(term)));
            }
            return super.getWildcardQuery(field, term);
        }

        @Override
        protected Query getPrefixQuery(String field, String term) throws ParseException {
            if (syntaxOnly) {
                // `term` is already unescaped: re-escape wildcard characters so `ab*` and `a\b*`
                // compare like the wildcard spelling of the same pattern.
                StringBuilder b = new StringBuilder();
                for (char c : term.toCharArray()) {
                    if (c == '*' || c == '?' || c == '\\') b.append('\\');
                    b.append(c);
                }
                return new TermQuery(new Term(field == null ? "_default" : field, "W:" + b + "*"));
            }
            return super.getPrefixQuery(field, term);
        }

        /** Drops escapes that do not change a wildcard pattern's meaning (all but `\*`, `\?`, `\\`). */
        static String canonWildcard(String t) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c == '\\' && i + 1 < t.length()) {
                    char n = t.charAt(++i);
                    if (n == '*' || n == '?' || n == '\\') b.append('\\');
                    b.append(n);
                } else if (c == '*' && b.length() > 0 && b.charAt(b.length() - 1) == '*'
                        && (b.length() < 2 || b.charAt(b.length() - 2) != '\\')) {
                    // `**` means the same as `*`.
                } else {
                    b.append(c);
                }
            }
            return b.toString();
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

    /** Canonical text: nested groups of one kind flattened, clauses sorted and de-duplicated, a
     *  match-all next to other required clauses dropped, so two queries that Lucene parses to the
     *  same boolean structure print the same. Leaves print as «query». */
    static String canon(Query q) {
        if (q instanceof BooleanQuery) {
            BooleanQuery bq = (BooleanQuery) q;
            List<BooleanClause> cl = bq.clauses();
            if (cl.size() == 1 && cl.get(0).getOccur() != BooleanClause.Occur.MUST_NOT) {
                return canon(cl.get(0).getQuery());
            }
            String k = kind(bq);
            List<String> parts = new ArrayList<>();
            collect(bq, k, parts);
            if (k.equals("A") && parts.size() > 1 && parts.stream().anyMatch(x -> !x.startsWith("-") && !x.equals("«*:*»"))) {
                parts.remove("«*:*»");
            }
            java.util.Collections.sort(parts);
            return k + "(" + String.join(" ", new LinkedHashSet<>(parts)) + ")";
        }
        return "«" + q + "»";
    }

    static void collect(BooleanQuery bq, String k, List<String> parts) {
        for (BooleanClause c : bq.clauses()) {
            Query cq = c.getQuery();
            boolean neg = c.getOccur() == BooleanClause.Occur.MUST_NOT;
            while (!neg && cq instanceof BooleanQuery && ((BooleanQuery) cq).clauses().size() == 1
                    && ((BooleanQuery) cq).clauses().get(0).getOccur() != BooleanClause.Occur.MUST_NOT) {
                cq = ((BooleanQuery) cq).clauses().get(0).getQuery();
            }
            if (!neg && cq instanceof BooleanQuery && kind((BooleanQuery) cq).equals(k)) {
                collect((BooleanQuery) cq, k, parts);
            } else {
                parts.add((neg ? "-" : "") + canon(cq));
            }
        }
    }

    static String kind(BooleanQuery bq) {
        boolean anyShould = bq.clauses().stream().anyMatch(c -> c.getOccur() == BooleanClause.Occur.SHOULD);
        return anyShould ? "O" : "A";
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
                    Query q;
                    boolean large = false;
                    BooleanQuery.setMaxClauseCount(1024);
                    try {
                        q = p.parse(dec(l));
                    } catch (ParseException e) {
                        if (!String.valueOf(e.getMessage()).contains("too many boolean clauses")) throw e;
                        // Elasticsearch 7 refuses more than 1024 clauses per boolean query
                        // (indices.query.bool.max_clause_count); 8.x scales the limit with the heap.
                        BooleanQuery.setMaxClauseCount(1 << 20);
                        q = p.parse(dec(l));
                        large = true;
                    }
                    long ms = (System.nanoTime() - t0) / 1000000;
                    if (System.getenv("ORACLE_SLOW_MS") != null && ms > Long.parseLong(System.getenv("ORACLE_SLOW_MS"))) {
                        System.err.println(ms + " ms: " + dec(l));
                    }
                    out.append(mode.equals("parse") ? (large ? "OK >1024 clauses" : "OK") : canon(q).replace('\n', ' ')).append('\n');
                } catch (Exception e) {
                    out.append("ERR ").append(String.valueOf(e.getMessage()).replace('\n', ' ')).append('\n');
                }
            }
        } else if (mode.equals("match")) {
            BooleanQuery.setMaxClauseCount(1 << 20);
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
