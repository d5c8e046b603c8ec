package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.json.GoJson;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Collects field errors worded as upstream's {@code k8s.io/apimachinery/pkg/util/validation/field}
 * ({@code Required value}, {@code Invalid value: "x": why}, …). Not thread-safe.
 */
final class FieldErrors {

    /** A bad value printed as Go's {@code %#v} would print it, without quoting. */
    record Raw(String text) {
        @Override public String toString() { return text; }
    }

    private final List<ApiError.Cause> causes = new ArrayList<>();

    List<ApiError.Cause> causes() {
        return causes;
    }

    boolean isEmpty() {
        return causes.isEmpty();
    }

    int size() {
        return causes.size();
    }

    void required(String path, String detail) {
        add("FieldValueRequired", path, withDetail("Required value", detail));
    }

    void invalid(String path, Object value, String detail) {
        add("FieldValueInvalid", path, withDetail("Invalid value: " + render(value), detail));
    }

    /** {@code Invalid value: <detail>}: upstream's {@code field.OmitValueType} leaves the value out. */
    void invalidWithoutValue(String path, String detail) {
        add("FieldValueInvalid", path, withDetail("Invalid value", detail));
    }

    void invalidAll(String path, Object value, List<String> details) {
        for (String d : details) {
            invalid(path, value, d);
        }
    }

    void notSupported(String path, Object value, List<String> supported) {
        String detail = supported.isEmpty() ? ""
                : "supported values: " + supported.stream().map(FieldErrors::goQuote).collect(Collectors.joining(", "));
        add("FieldValueNotSupported", path, withDetail("Unsupported value: " + render(value), detail));
    }

    void duplicate(String path, Object value) {
        add("FieldValueDuplicate", path, "Duplicate value: " + render(value));
    }

    void notFound(String path, Object value) {
        add("FieldValueNotFound", path, "Not found: " + render(value));
    }

    /** {@code Too many: 21: must have at most 20 items}. */
    void tooMany(String path, int actual, int max) {
        add("FieldValueTooMany", path, "Too many: " + actual + ": must have at most " + max + " items");
    }

    void forbidden(String path, String detail) {
        add("FieldValueForbidden", path, withDetail("Forbidden", detail));
    }

    /** {@code Too long: may not be more than N bytes} (apimachinery 1.32, after kubernetes#128553). */
    void tooLong(String path, int maxBytes) {
        add("FieldValueTooLong", path, "Too long: may not be more than " + maxBytes + (maxBytes == 1 ? " byte" : " bytes"));
    }

    void typeInvalid(String path, Object value, String detail) {
        add("FieldValueTypeInvalid", path, withDetail("Invalid value: " + render(value), detail));
    }

    void addAll(FieldErrors other) {
        causes.addAll(other.causes);
    }

    /**
     * Adds the errors of {@code other} with the field paths that start with {@code from} moved under
     * {@code to} ({@code spec.containers[0]} of a pod template becomes {@code spec.template.spec.containers[0]}).
     */
    void addAllMoved(FieldErrors other, String from, String to) {
        for (ApiError.Cause c : other.causes) {
            String field = c.field().startsWith(from) ? to + c.field().substring(from.length()) : c.field();
            causes.add(ApiError.Cause.field(c.reason(), field, c.message()));
        }
    }

    /** Throws 422 Invalid naming the kind (group-qualified for non-core kinds) when any error was collected. */
    void throwIfAny(ResourceType type, String name) {
        if (causes.isEmpty()) {
            return;
        }
        // upstream's ToAggregate drops errors whose rendered text repeats.
        var seen = new LinkedHashSet<String>();
        List<ApiError.Cause> unique = new ArrayList<>();
        for (ApiError.Cause c : causes) {
            if (seen.add(c.field() + "\u0000" + c.message())) {
                unique.add(c);
            }
        }
        throw new ApiError.Invalid(type.group(), type.kind(), name, unique);
    }

    private void add(String reason, String path, String message) {
        causes.add(ApiError.Cause.field(reason, path, message));
    }

    private static String withDetail(String head, String detail) {
        return detail.isEmpty() ? head : head + ": " + detail;
    }

    static String render(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> goQuote(s);
            case Raw r -> r.text();
            case List<?> l -> "[]string{" + l.stream().map(o -> goQuote(String.valueOf(o))).collect(Collectors.joining(", ")) + "}";
            default -> String.valueOf(value);
        };
    }

    /** Go's {@code strconv.Quote}: double quotes, backslash escapes for quotes and control characters. */
    static String goQuote(String s) {
        return GoJson.quote(s);
    }
}
