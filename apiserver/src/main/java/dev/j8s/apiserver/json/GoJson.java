package dev.j8s.apiserver.json;

/**
 * Checks that bytes unmarshal into a Go {@code map[string]interface{}} and words the failure as Go's
 * {@code encoding/json} does ({@code unexpected end of JSON input}, {@code invalid character 'x'
 * looking for beginning of value}, {@code json: cannot unmarshal array into Go value of type
 * map[string]interface {}}). Stateless and thread-safe.
 */
public final class GoJson {

    private static final class Syntax extends RuntimeException {
        Syntax(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] in;
    private int pos;

    private GoJson(byte[] in) {
        this.in = in;
    }

    /** The Go error text, or the empty string when the bytes decode into a map. */
    public static String unmarshalObjectError(byte[] json) {
        GoJson p = new GoJson(json);
        try {
            p.skipSpace();
            int start = p.pos;
            p.value();
            p.skipSpace();
            if (p.pos < json.length) {
                throw p.invalid("after top-level value");
            }
            return switch (start < json.length ? json[start] : 0) {
                case '{', 'n' -> "";
                case '[' -> typeError("array");
                case '"' -> typeError("string");
                case 't', 'f' -> typeError("bool");
                default -> typeError("number");
            };
        } catch (Syntax e) {
            return e.getMessage();
        }
    }

    /** Go's {@code %q} of a string: quoted, with Go's escapes for quotes, backslashes and control characters. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 11 -> sb.append("\\v");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        sb.append(String.format("\\x%02x", cp));
                    } else if (Character.isISOControl(cp) || !Character.isDefined(cp)) {
                        sb.append(cp > 0xffff ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }

    private static String typeError(String what) {
        return "json: cannot unmarshal " + what + " into Go value of type map[string]interface {}";
    }

    private Syntax eof() {
        return new Syntax("unexpected end of JSON input");
    }

    private Syntax invalid(String context) {
        return new Syntax("invalid character " + quoteChar(in[pos] & 0xff) + " " + context);
    }

    private static String quoteChar(int c) {
        if (c == '\'') {
            return "'\\''";
        }
        if (c == '"') {
            return "'\"'";
        }
        String q = GoJson.quote(c < 0x80 ? String.valueOf((char) c) : "\ufffd");
        return "'" + q.substring(1, q.length() - 1) + "'";
    }

    private void skipSpace() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r')) {
            pos++;
        }
    }

    private int peek() {
        if (pos >= in.length) {
            throw eof();
        }
        return in[pos] & 0xff;
    }

    private void value() {
        skipSpace();
        int c = peek();
        switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    number();
                } else {
                    throw invalid("looking for beginning of value");
                }
            }
        }
    }

    private void object() {
        pos++;
        skipSpace();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw invalid("looking for beginning of object key string");
            }
            string();
            skipSpace();
            if (peek() != ':') {
                throw invalid("after object key");
            }
            pos++;
            value();
            skipSpace();
            int c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return;
            } else {
                throw invalid("after object key:value pair");
            }
        }
    }

    private void array() {
        pos++;
        skipSpace();
        if (peek() == ']') {
            pos++;
            return;
        }
        while (true) {
            value();
            skipSpace();
            int c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return;
            } else {
                throw invalid("after array element");
            }
        }
    }

    private void string() {
        pos++;
        while (true) {
            int c = peek();
            if (c == '"') {
                pos++;
                return;
            }
            if (c < 0x20) {
                throw invalid("in string literal");
            }
            if (c == '\\') {
                pos++;
                int e = peek();
                if (e == 'u') {
                    pos++;
                    for (int i = 0; i < 4; i++) {
                        int h = peek();
                        if (Character.digit(h, 16) < 0) {
                            throw invalid("in \\u hexadecimal character escape");
                        }
                        pos++;
                    }
                    continue;
                }
                if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw invalid("in string escape code");
                }
            }
            pos++;
        }
    }

    private void literal(String word) {
        pos++;
        for (int i = 1; i < word.length(); i++) {
            if (peek() != word.charAt(i)) {
                throw invalid("in literal " + word + " (expecting " + quoteChar(word.charAt(i)) + ")");
            }
            pos++;
        }
    }

    private void number() {
        if (peek() == '-') {
            pos++;
            int c = peek();
            if (c < '0' || c > '9') {
                throw invalid("in numeric literal");
            }
        }
        if (peek() == '0') {
            pos++;
        } else {
            digits();
        }
        if (pos < in.length && in[pos] == '.') {
            pos++;
            int c = peek();
            if (c < '0' || c > '9') {
                throw invalid("after decimal point in numeric literal");
            }
            digits();
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            int c = peek();
            if (c < '0' || c > '9') {
                throw invalid("in exponent of numeric literal");
            }
            digits();
        }
    }

    private void digits() {
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
            pos++;
        }
    }
}
