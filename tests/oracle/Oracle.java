// Real-Lucene oracle for sigmaforge's es-qs output (Lucene 8.7 classic query parser, Debian's
// liblucene8-java). Compiled and run by the integration tests through tests/oracle/harness.rs; every
// input string is base64 (UTF-8) so queries may hold any character. ORACLE_SLOW_MS=n prints parse
// times above n ms to stderr.
//
//   java Oracle parse FILE   one query per line            -> "OK", "OK >1024 clauses" or "ERR <message>"
//                            (syntax only: wildcard/regex automata are not built, regex syntax is checked)
//   java Oracle canon FILE   one query per line            -> canonical query text or "ERR <message>"
//   java Oracle match FILE   "Q <query>" then "E f:v f:v…"  -> per Q, one '0'/'1' per following E
//   java Oracle tmatch FILE  "Q <query> f:type…" then "E f:v…" -> like match, each field indexed and
//                            queried as its Elasticsearch mapping type (see `Typed` below)
//
// Elasticsearch extensions are modelled the way ES implements them: `_exists_:f` is a term on a
// hidden field-names field, `f:*` is an exists query, `f:>10`-style shorthands and ranges compare
// numbers (a double twin field), and a group of only negative clauses matches "everything except". In `match`
// every field is a case-sensitive keyword (KeywordAnalyzer), like ECS keyword/wildcard fields. In `tmatch`
// each field has the type its index maps it with, indexed and queried as Elasticsearch does:
//   keyword, wildcard  exact, case-sensitive (KeywordAnalyzer; `wildcard` matches like keyword)
//   caseless           keyword with a lowercase normalizer: values, terms, wildcard and prefix
//                      patterns lower-cased; regexps are not (Elasticsearch does not normalize them)
//   text               StandardAnalyzer tokens (lower-cased words), query terms analyzed the same way
//   long               LongPoint: terms and ranges compare numbers; a non-number term, a wildcard, a
//                      prefix or a regexp is an error, as in Elasticsearch
//   ip                 InetAddressPoint: an address or a CIDR block (`10.0.0.0/8`); no wildcards/regexps
// A field the query names but the type line does not is a keyword.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.HashMap;
import java.net.InetAddress;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.InetAddressPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.memory.MemoryIndex;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RegexpQuery;
import org.apache.lucene.search.TermQuery;

public class Oracle {
    static final String NAMES = "_field_names";
    static final Analyzer KW = new KeywordAnalyzer();
    /** A keyword with Elasticsearch's `lowercase` normalizer. */
    static final Analyzer LOWER = new Analyzer() {
        @Override
        protected TokenStreamComponents createComponents(String field) {
            Tokenizer t = new KeywordTokenizer();
            return new TokenStreamComponents(t, new LowerCaseFilter(t));
        }

        @Override
        protected TokenStream normalize(String field, TokenStream in) {
            return new LowerCaseFilter(in);
        }
    };
    static final Analyzer TEXT = new StandardAnalyzer();

    static Analyzer analyzer(String type) {
        switch (type) {
            case "caseless": return LOWER;
            case "text": return TEXT;
            case "keyword": case "wildcard": case "long": case "ip": return KW;
            default: throw new IllegalArgumentException("unknown field type " + type);
        }
    }

    static String dec(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    static class Parser extends MultiFieldQueryParser {
        final boolean syntaxOnly;
        /** Field types (`tmatch`), or null: every field a keyword with a numeric twin (`match`). */
        final Map<String, String> types;

        Parser(String[] fields, boolean syntaxOnly) {
            this(fields, syntaxOnly, null);
        }

        Parser(String[] fields, boolean syntaxOnly, Map<String, String> types) {
            super(fields, types == null ? KW : perField(types));
            this.syntaxOnly = syntaxOnly;
            this.types = types;
            setAllowLeadingWildcard(true);
            setDefaultOperator(OR_OPERATOR);
        }

        static Analyzer perField(Map<String, String> types) {
            Map<String, Analyzer> m = new HashMap<>();
            for (Map.Entry<String, String> e : types.entrySet()) {
                m.put(e.getKey(), analyzer(e.getValue()));
            }
            return new PerFieldAnalyzerWrapper(KW, m);
        }

        String type(String field) {
            return types == null || field == null ? null : types.getOrDefault(field, "keyword");
        }

        /** Elasticsearch refuses string-pattern queries on numbers and addresses. */
        void noPattern(String field, String kind) throws ParseException {
            String t = type(field);
            if ("long".equals(t) || "ip".equals(t)) {
                throw new ParseException("can only use " + kind + " queries on keyword and text fields, not " + t + " `" + field + "`");
            }
        }

        static long parseLong(String field, String text) throws ParseException {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new ParseException("failed to create query: for input string \"" + text + "\" on long `" + field + "`");
            }
        }

        static Query ipQuery(String field, String text) throws ParseException {
            try {
                int slash = text.indexOf('/');
                if (slash >= 0) {
                    InetAddress a = InetAddress.getByName(text.substring(0, slash));
                    return InetAddressPoint.newPrefixQuery(field, a, Integer.parseInt(text.substring(slash + 1)));
                }
                return InetAddressPoint.newExactQuery(field, InetAddress.getByName(text));
            } catch (Exception e) {
                throw new ParseException("'" + text + "' is not an IP string literal on ip `" + field + "`");
            }
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
            String t = type(field);
            if ("long".equals(t)) {
                return LongPoint.newExactQuery(field, parseLong(field, text));
            }
            if ("ip".equals(t)) {
                return ipQuery(field, text);
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
            noPattern(field, "wildcard");
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
            noPattern(field, "prefix");
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
            String t = type(field);
            if ("long".equals(t)) {
                long l = a == null || "*".equals(a) ? Long.MIN_VALUE : parseLong(field, a);
                long h = b == null || "*".equals(b) ? Long.MAX_VALUE : parseLong(field, b);
                if (a != null && !"*".equals(a) && !incA) {
                    if (l == Long.MAX_VALUE) return new BooleanQuery.Builder().build();
                    l++;
                }
                if (b != null && !"*".equals(b) && !incB) {
                    if (h == Long.MIN_VALUE) return new BooleanQuery.Builder().build();
                    h--;
                }
                return LongPoint.newRangeQuery(field, l, h);
            }
            if (t != null) {
                // Keyword and text ranges compare terms (Elasticsearch's term range).
                return super.getRangeQuery(field, a, b, incA, incB);
            }
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
            if (types != null) {
                noPattern(field, "regexp");
                // Elasticsearch does not run a regexp through the field's normalizer or analyzer.
                return new RegexpQuery(new Term(field, term));
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
        } else if (mode.equals("tmatch")) {
            BooleanQuery.setMaxClauseCount(1 << 20);
            String query = null;
            Map<String, String> types = null;
            StringBuilder row = null;
            for (String l : lines) {
                if (l.startsWith("Q ")) {
                    if (row != null) out.append(row).append('\n');
                    String[] parts = l.substring(2).trim().split(" ");
                    query = dec(parts[0]);
                    types = new HashMap<>();
                    for (int i = 1; i < parts.length; i++) {
                        int c = parts[i].indexOf(':');
                        String type = parts[i].substring(c + 1);
                        analyzer(type);
                        types.put(dec(parts[i].substring(0, c)), type);
                    }
                    row = new StringBuilder();
                } else if (l.startsWith("E")) {
                    MemoryIndex mi = new MemoryIndex();
                    List<String> fields = new ArrayList<>();
                    boolean bad = false;
                    for (String pair : l.substring(1).trim().split(" ")) {
                        if (pair.isEmpty()) continue;
                        int eq = pair.indexOf(':');
                        String f = dec(pair.substring(0, eq));
                        String v = dec(pair.substring(eq + 1));
                        String type = types.getOrDefault(f, "keyword");
                        try {
                            if (type.equals("long")) {
                                mi.addField(new LongPoint(f, Long.parseLong(v)), KW);
                            } else if (type.equals("ip")) {
                                mi.addField(new InetAddressPoint(f, InetAddress.getByName(v)), KW);
                            } else {
                                mi.addField(f, v, analyzer(type));
                            }
                        } catch (Exception e) {
                            // Elasticsearch would reject the document (a mapping error).
                            bad = true;
                        }
                        mi.addField(NAMES, f, KW);
                        if (!fields.contains(f)) fields.add(f);
                    }
                    if (bad) {
                        row.append('D');
                        continue;
                    }
                    try {
                        Query q = new Parser(fields.toArray(new String[0]), false, types).parse(query);
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
