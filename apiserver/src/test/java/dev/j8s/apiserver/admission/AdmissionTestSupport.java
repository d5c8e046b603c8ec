package dev.j8s.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.function.Executable;

/** Shared fixtures: resource types, an admission with a seeded random, and Invalid-cause assertions. */
final class AdmissionTestSupport {

    static final Resources RESOURCES = Resources.builtin();

    private AdmissionTestSupport() {}

    static ResourceType type(String plural) {
        return RESOURCES.all().stream().filter(t -> t.plural().equals(plural) && t.group().isEmpty()).findFirst().orElseThrow();
    }

    static ResourceType type(String group, String plural) {
        return RESOURCES.all().stream().filter(t -> t.plural().equals(plural) && t.group().equals(group)).findFirst().orElseThrow();
    }

    static Admission admission(FakeLookup lookup, String... plugins) {
        return new Admission(lookup, new ServiceIpAllocator("10.96.0.0/12"), Set.of(plugins), new Random(7));
    }

    /** Builds JSON from a compact form that uses single quotes. */
    static ObjectNode json(String compact) {
        return FakeLookup.parse(compact);
    }

    /** The causes of the Invalid thrown by {@code call}, rendered as {@code field: message}. */
    static List<String> invalidCauses(Executable call) {
        ApiError.Invalid e = catchThrowableOfType(ApiError.Invalid.class, () -> {
            try {
                call.execute();
            } catch (RuntimeException r) {
                throw r;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
        assertThat(e).as("expected 422 Invalid").isNotNull();
        return e.causes().stream().map(c -> c.field().isEmpty() ? c.message() : c.field() + ": " + c.message()).toList();
    }

    static List<String> invalidReasons(Executable call) {
        ApiError.Invalid e = catchThrowableOfType(ApiError.Invalid.class, () -> {
            try {
                call.execute();
            } catch (RuntimeException r) {
                throw r;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
        assertThat(e).as("expected 422 Invalid").isNotNull();
        return e.causes().stream().map(ApiError.Cause::reason).toList();
    }
}
