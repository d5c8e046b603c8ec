package dev.j8s.kubelet.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EventReasonTest {
    @ParameterizedTest
    @CsvSource({
        "PULLING_IMAGE, Pulling",
        "PULLED_IMAGE, Pulled",
        "FAILED_TO_PULL_IMAGE, Failed",
        "FAILED_TO_INSPECT_IMAGE, InspectFailed",
        "ERR_IMAGE_NEVER_PULL_POLICY, ErrImageNeverPull",
        "BACK_OFF_PULL_IMAGE, BackOff",
        "FAILED_TO_RETRIEVE_IMAGE_PULL_SECRET, FailedToRetrieveImagePullSecret",
        "CREATED_CONTAINER, Created",
        "STARTED_CONTAINER, Started",
        "FAILED_TO_CREATE_CONTAINER, Failed",
        "KILLING_CONTAINER, Killing",
        "BACK_OFF_START_CONTAINER, BackOff",
        "CONTAINER_UNHEALTHY, Unhealthy",
        "FAILED_POST_START_HOOK, FailedPostStartHook",
        "FAILED_PRE_STOP_HOOK, FailedPreStopHook",
        "LIFECYCLE_HTTP_FALLBACK, LifecycleHTTPFallback",
        "CONTAINER_PROBE_WARNING, ProbeWarning",
        "FAILED_MOUNT_VOLUME, FailedMount",
        "STARTING_KUBELET, Starting",
        "FREE_DISK_SPACE_FAILED, FreeDiskSpaceFailed",
    })
    void reasonStringsEqualUpstreams(EventReason reason, String upstream) {
        assertThat(reason.value()).isEqualTo(upstream);
        assertThat(reason).hasToString(upstream);
    }

    @Test
    void eventTypesAreNormalAndWarning() {
        assertThat(EventType.NORMAL.value()).isEqualTo("Normal");
        assertThat(EventType.WARNING.value()).isEqualTo("Warning");
    }
}
