package dev.j8s.apiserver.selection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A parsed {@code labelSelector}: requirements ANDed together, with upstream's syntax
 * ({@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k},
 * {@code k>1}, {@code k<1}), validation and error texts (apimachinery pkg/labels/selector.go). Immutable and
 * thread-safe.
 */
public record LabelSelector(List<Requirement> requirements) {

    /** The operator of one requirement. */
    public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN }

    /** One requirement; {@code values} are sorted and distinct as upstream keeps them. */
    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        /** Whether a label set (a JSON object of strings, possibly missing) satisfies this requirement. */
        public boolean matches(JsonNode labels) {
            JsonNode v = labels.path(key);
            boolean has = v.isValueNode() && !v.isNull();
            String value = has ? v.asText() : "";
            return switch (operator) {
                case EQUALS, IN -> has && values.contains(value);
                case NOT_EQUALS, NOT_IN -> !has || !values.contains(value);
                case EXISTS -> has;
                case DOES_NOT_EXIST -> !has;
                case GREATER_THAN, LESS_THAN -> {
                    if (!has) {
                        yield false;
                    }
                    long actual;
                    try {
                        actual = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        yield false;
                    }
                    long bound = Long.parseLong(values.getFirst());
                    yield operator == Operator.GREATER_THAN ? actual > bound : actual < bound;
                }
            };
        }
    }

    public LabelSelector {
        requirements = List.copyOf(requirements);
    }

    /** The selector that matches everything. */
    public static LabelSelector everything() {
        return new LabelSelector(List.of());
    }

    /** Parses a selector; "" (or blanks) selects everything, bad syntax is a 400 worded as upstream. */
    public static LabelSelector parse(String text) {
        try {
            List<Requirement> requirements = new ArrayList<>(new Parser(Lexer.scan(text)).parse());
            requirements.sort(Comparator.comparing(Requirement::key));
            return new LabelSelector(requirements);
        } catch (SyntaxError e) {
            throw new ApiError.BadRequest(e.getMessage());
        }
    }

    /**
     * The selector of a {@code metav1.LabelSelector} object ({@code matchLabels} as equality requirements,
     * {@code matchExpressions} as set requirements), as upstream's LabelSelectorAsSelector; an empty object
     * selects everything. Operators other than In, NotIn, Exists and DoesNotExist are a 400.
     */
    public static LabelSelector fromObject(JsonNode selector) {
        List<Requirement> requirements = new ArrayList<>();
        selector.path("matchLabels").properties().forEach(e ->
                requirements.add(new Requirement(e.getKey(), Operator.EQUALS, List.of(e.getValue().asText("")))));
        for (JsonNode e : selector.path("matchExpressions")) {
            TreeSet<String> values = new TreeSet<>();
            e.path("values").forEach(v -> values.add(v.asText("")));
            Operator op = switch (e.path("operator").asText("")) {
                case "In" -> Operator.IN;
                case "NotIn" -> Operator.NOT_IN;
                case "Exists" -> Operator.EXISTS;
                case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
                default -> throw new ApiError.BadRequest("\"" + e.path("operator").asText("") + "\" is not a valid label selector operator");
            };
            requirements.add(new Requirement(e.path("key").asText(""), op, List.copyOf(values)));
        }
        requirements.sort(Comparator.comparing(Requirement::key));
        return new LabelSelector(requirements);
    }

    /** The selector in its query-string form, requirements sorted by key ({@code app=web,tier in (a,b)}). */
    public String format() {
        List<String> parts = new ArrayList<>();
        for (Requirement r : requirements) {
            parts.add(switch (r.operator()) {
                case EQUALS -> r.key() + "=" + r.values().getFirst();
                case NOT_EQUALS -> r.key() + "!=" + r.values().getFirst();
                case IN -> r.key() + " in (" + String.join(",", r.values()) + ")";
                case NOT_IN -> r.key() + " notin (" + String.join(",", r.values()) + ")";
                case EXISTS -> r.key();
                case DOES_NOT_EXIST -> "!" + r.key();
                case GREATER_THAN -> r.key() + ">" + r.values().getFirst();
                case LESS_THAN -> r.key() + "<" + r.values().getFirst();
            });
        }
        return String.join(",", parts);
    }

    /** Whether the labels (the {@code metadata.labels} object, possibly missing) satisfy every requirement. */
    public boolean matches(JsonNode labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEverything() {
        return requirements.isEmpty();
    }

    private static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    private enum Token {
        ERROR, EOS, CLOSED_PAR, COMMA, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, GREATER_THAN, IDENTIFIER, IN, LESS_THAN,
        NOT_EQUALS, NOT_IN, OPEN_PAR
    }

    private record Item(Token token, String literal) {}

    private static final class Lexer {
        private static Token keyword(String s) {
            return switch (s) {
                case ")" -> Token.CLOSED_PAR;
                case "," -> Token.COMMA;
                case "!" -> Token.DOES_NOT_EXIST;
                case "==" -> Token.DOUBLE_EQUALS;
                case "=" -> Token.EQUALS;
                case ">" -> Token.GREATER_THAN;
                case "in" -> Token.IN;
                case "<" -> Token.LESS_THAN;
                case "!=" -> Token.NOT_EQUALS;
                case "notin" -> Token.NOT_IN;
                case "(" -> Token.OPEN_PAR;
                default -> null;
            };
        }

        private static boolean special(char c) {
            return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
        }

        private static boolean whitespace(char c) {
            return c == ' ' || c == '\t' || c == '\r' || c == '\n';
        }

        static List<Item> scan(String s) {
            List<Item> items = new ArrayList<>();
            int i = 0;
            while (true) {
                while (i < s.length() && whitespace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    items.add(new Item(Token.EOS, ""));
                    return items;
                }
                char c = s.charAt(i);
                if (special(c)) {
                    // The longest run of symbols that still forms a token.
                    Item last = null;
                    StringBuilder buffer = new StringBuilder();
                    while (i < s.length() && special(s.charAt(i))) {
                        buffer.append(s.charAt(i));
                        Token t = keyword(buffer.toString());
                        if (t != null) {
                            last = new Item(t, buffer.toString());
                            i++;
                        } else if (last != null) {
                            break;
                        } else {
                            i++;
                        }
                    }
                    if (last == null) {
                        items.add(new Item(Token.ERROR, "error expected: keyword found '" + buffer + "'"));
                        items.add(new Item(Token.EOS, ""));
                        return items;
                    }
                    items.add(last);
                } else {
                    int start = i;
                    while (i < s.length() && !special(s.charAt(i)) && !whitespace(s.charAt(i))) {
                        i++;
                    }
                    String word = s.substring(start, i);
                    Token t = keyword(word);
                    items.add(new Item(t == null ? Token.IDENTIFIER : t, word));
                }
            }
        }
    }

    private static final class Parser {
        private final List<Item> items;
        private int position;

        Parser(List<Item> items) {
            this.items = items;
        }

        /** In value context the keywords {@code in}/{@code notin} are plain identifiers. */
        private Item lookahead(boolean values) {
            Item item = items.get(Math.min(position, items.size() - 1));
            if (values && (item.token() == Token.IN || item.token() == Token.NOT_IN)) {
                return new Item(Token.IDENTIFIER, item.literal());
            }
            return item;
        }

        private Item consume(boolean values) {
            Item item = lookahead(values);
            position++;
            return item;
        }

        List<Requirement> parse() {
            List<Requirement> requirements = new ArrayList<>();
            while (true) {
                Item item = lookahead(true);
                switch (item.token()) {
                    case IDENTIFIER, DOES_NOT_EXIST -> {
                        try {
                            requirements.add(parseRequirement());
                        } catch (SyntaxError e) {
                            throw new SyntaxError("unable to parse requirement: " + e.getMessage());
                        }
                        Item next = consume(true);
                        switch (next.token()) {
                            case EOS -> {
                                return requirements;
                            }
                            case COMMA -> {
                                Item after = lookahead(true);
                                if (after.token() != Token.IDENTIFIER && after.token() != Token.DOES_NOT_EXIST) {
                                    throw new SyntaxError("found '" + after.literal()
                                            + "', expected: identifier after ','");
                                }
                            }
                            default -> throw new SyntaxError("found '" + next.literal()
                                    + "', expected: ',' or 'end of string'");
                        }
                    }
                    case EOS -> {
                        return requirements;
                    }
                    default -> throw new SyntaxError("found '" + item.literal()
                            + "', expected: !, identifier, or 'end of string'");
                }
            }
        }

        private Requirement parseRequirement() {
            Operator operator = null;
            Item item = consume(true);
            if (item.token() == Token.DOES_NOT_EXIST) {
                operator = Operator.DOES_NOT_EXIST;
                item = consume(true);
            }
            if (item.token() != Token.IDENTIFIER) {
                throw new SyntaxError("found '" + item.literal() + "', expected: identifier");
            }
            String key = item.literal();
            List<String> keyErrors = Validation.qualifiedName(key);
            if (!keyErrors.isEmpty()) {
                throw new SyntaxError(invalid("<nil>", key, String.join("; ", keyErrors)));
            }
            Token next = lookahead(true).token();
            if (next == Token.EOS || next == Token.COMMA) {
                if (operator != Operator.DOES_NOT_EXIST) {
                    operator = Operator.EXISTS;
                }
            }
            if (operator == Operator.EXISTS || operator == Operator.DOES_NOT_EXIST) {
                return new Requirement(key, operator, List.of());
            }
            operator = parseOperator();
            TreeSet<String> values = switch (operator) {
                case IN, NOT_IN -> parseValues();
                default -> parseExactValue();
            };
            return newRequirement(key, operator, List.copyOf(values));
        }

        private Operator parseOperator() {
            Item item = consume(false);
            return switch (item.token()) {
                case IN -> Operator.IN;
                case EQUALS, DOUBLE_EQUALS -> Operator.EQUALS;
                case GREATER_THAN -> Operator.GREATER_THAN;
                case LESS_THAN -> Operator.LESS_THAN;
                case NOT_IN -> Operator.NOT_IN;
                case NOT_EQUALS -> Operator.NOT_EQUALS;
                default -> throw new SyntaxError("found '" + item.literal()
                        + "', expected: in, notin, =, ==, !=, gt, lt");
            };
        }

        private TreeSet<String> parseValues() {
            Item item = consume(true);
            if (item.token() != Token.OPEN_PAR) {
                throw new SyntaxError("found '" + item.literal() + "' expected: '('");
            }
            item = lookahead(true);
            switch (item.token()) {
                case IDENTIFIER, COMMA -> {
                    TreeSet<String> s = parseIdentifiersList();
                    if (consume(true).token() != Token.CLOSED_PAR) {
                        throw new SyntaxError("found '" + item.literal() + "', expected: ')'");
                    }
                    return s;
                }
                case CLOSED_PAR -> {
                    consume(true);
                    TreeSet<String> s = new TreeSet<>();
                    s.add("");
                    return s;
                }
                default -> throw new SyntaxError("found '" + item.literal() + "', expected: ',', ')' or identifier");
            }
        }

        private TreeSet<String> parseIdentifiersList() {
            TreeSet<String> s = new TreeSet<>();
            while (true) {
                Item item = consume(true);
                switch (item.token()) {
                    case IDENTIFIER -> {
                        s.add(item.literal());
                        Item next = lookahead(true);
                        switch (next.token()) {
                            case COMMA -> { }
                            case CLOSED_PAR -> {
                                return s;
                            }
                            default -> throw new SyntaxError("found '" + next.literal() + "', expected: ',' or ')'");
                        }
                    }
                    case COMMA -> {
                        if (s.isEmpty()) {
                            s.add("");
                        }
                        Token next = lookahead(true).token();
                        if (next == Token.CLOSED_PAR) {
                            s.add("");
                            return s;
                        }
                        if (next == Token.COMMA) {
                            consume(true);
                            s.add("");
                        }
                    }
                    default -> throw new SyntaxError("found '" + item.literal() + "', expected: ',', or identifier");
                }
            }
        }

        private TreeSet<String> parseExactValue() {
            TreeSet<String> s = new TreeSet<>();
            Token next = lookahead(true).token();
            if (next == Token.EOS || next == Token.COMMA) {
                s.add("");
                return s;
            }
            Item item = consume(true);
            if (item.token() == Token.IDENTIFIER) {
                s.add(item.literal());
                return s;
            }
            throw new SyntaxError("found '" + item.literal() + "', expected: identifier");
        }

        /** NewRequirement's checks, aggregated as upstream (one error bare, several in brackets). */
        private static Requirement newRequirement(String key, Operator op, List<String> values) {
            List<String> errors = new ArrayList<>();
            if ((op == Operator.IN || op == Operator.NOT_IN) && values.isEmpty()) {
                errors.add("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
            }
            if (op == Operator.GREATER_THAN || op == Operator.LESS_THAN) {
                for (int i = 0; i < values.size(); i++) {
                    try {
                        Long.parseLong(values.get(i));
                    } catch (NumberFormatException e) {
                        errors.add(invalid("values[" + i + "]", values.get(i),
                                "for 'Gt', 'Lt' operators, the value must be an integer"));
                    }
                }
            }
            for (int i = 0; i < values.size(); i++) {
                List<String> valueErrors = Validation.labelValue(values.get(i));
                if (!valueErrors.isEmpty()) {
                    errors.add(invalid("values[" + i + "][" + key + "]", values.get(i), String.join("; ", valueErrors)));
                }
            }
            if (errors.size() == 1) {
                throw new SyntaxError(errors.getFirst());
            } else if (!errors.isEmpty()) {
                throw new SyntaxError("[" + String.join(", ", errors) + "]");
            }
            return new Requirement(key, op, values);
        }

        private static String invalid(String field, String value, String detail) {
            return field + ": Invalid value: " + Validation.quote(value) + ": " + detail;
        }
    }
}
