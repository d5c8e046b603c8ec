package dev.j8s.kubelet.events;

/**
 * The reasons the kubelet writes to {@code Event.reason}; constant names follow upstream's Go constants in
 * {@code pkg/kubelet/events/event.go} and each {@link #value()} equals upstream's string, so several constants
 * share a string ({@code Failed}, {@code BackOff}). Immutable and thread-safe.
 */
public enum EventReason {
    // Container event reasons.
    CREATED_CONTAINER("Created"),
    STARTED_CONTAINER("Started"),
    FAILED_TO_CREATE_CONTAINER("Failed"),
    FAILED_TO_START_CONTAINER("Failed"),
    KILLING_CONTAINER("Killing"),
    PREEMPT_CONTAINER("Preempting"),
    BACK_OFF_START_CONTAINER("BackOff"),
    EXCEEDED_GRACE_PERIOD("ExceededGracePeriod"),
    INVALID_ENVIRONMENT_VARIABLE_NAMES("InvalidEnvironmentVariableNames"),

    // Pod event reasons.
    FAILED_TO_KILL_POD("FailedKillPod"),
    FAILED_TO_CREATE_POD_CONTAINER("FailedCreatePodContainer"),
    FAILED_TO_MAKE_POD_DATA_DIRECTORIES("Failed"),
    NETWORK_NOT_READY("NetworkNotReady"),
    MISSING_CLUSTER_DNS("MissingClusterDNS"),
    DNS_CONFIG_FORMING("DNSConfigForming"),

    // Image event reasons.
    PULLING_IMAGE("Pulling"),
    PULLED_IMAGE("Pulled"),
    FAILED_TO_PULL_IMAGE("Failed"),
    FAILED_TO_INSPECT_IMAGE("InspectFailed"),
    ERR_IMAGE_NEVER_PULL_POLICY("ErrImageNeverPull"),
    BACK_OFF_PULL_IMAGE("BackOff"),
    FAILED_TO_RETRIEVE_IMAGE_PULL_SECRET("FailedToRetrieveImagePullSecret"),
    /**
     * j8s's own (upstream only logs it): a docker credential helper or a credential-provider plugin
     * failed, so its credentials were not tried.
     */
    FAILED_TO_GET_CREDENTIALS("FailedToGetCredentials"),

    // Kubelet and node event reasons.
    NODE_READY("NodeReady"),
    NODE_NOT_READY("NodeNotReady"),
    NODE_SCHEDULABLE("NodeSchedulable"),
    NODE_NOT_SCHEDULABLE("NodeNotSchedulable"),
    STARTING_KUBELET("Starting"),
    KUBELET_SETUP_FAILED("KubeletSetupFailed"),
    FAILED_ATTACH_VOLUME("FailedAttachVolume"),
    FAILED_MOUNT_VOLUME("FailedMount"),
    FAILED_MAP_VOLUME("FailedMapVolume"),
    WARN_ALREADY_MOUNTED_VOLUME("AlreadyMountedVolume"),
    SUCCESSFUL_ATTACH_VOLUME("SuccessfulAttachVolume"),
    SUCCESSFUL_MOUNT_VOLUME("SuccessfulMountVolume"),
    NODE_REBOOTED("Rebooted"),
    NODE_SHUTDOWN("Shutdown"),
    CONTAINER_GC_FAILED("ContainerGCFailed"),
    IMAGE_GC_FAILED("ImageGCFailed"),
    FAILED_NODE_ALLOCATABLE_ENFORCEMENT("FailedNodeAllocatableEnforcement"),
    SUCCESSFUL_NODE_ALLOCATABLE_ENFORCEMENT("NodeAllocatableEnforced"),
    SANDBOX_CHANGED("SandboxChanged"),
    FAILED_CREATE_POD_SANDBOX("FailedCreatePodSandBox"),
    FAILED_STATUS_POD_SANDBOX("FailedPodSandBoxStatus"),
    FAILED_MOUNT_ON_FILESYSTEM_MISMATCH("FailedMountOnFilesystemMismatch"),
    FAILED_PREPARE_DYNAMIC_RESOURCES("FailedPrepareDynamicResources"),
    POSSIBLE_MEMORY_BACKED_VOLUMES_ON_DISK("PossibleMemoryBackedVolumesOnDisk"),
    CGROUP_V1("CgroupV1"),

    // Image manager event reasons.
    INVALID_DISK_CAPACITY("InvalidDiskCapacity"),
    FREE_DISK_SPACE_FAILED("FreeDiskSpaceFailed"),

    // Probe event reasons.
    CONTAINER_UNHEALTHY("Unhealthy"),
    CONTAINER_PROBE_WARNING("ProbeWarning"),

    // Pod worker event reasons.
    FAILED_SYNC("FailedSync"),

    // Pod admission (upstream pkg/kubelet/sysctl's ForbiddenReason).
    SYSCTL_FORBIDDEN("SysctlForbidden"),

    // Eviction (upstream pkg/kubelet/eviction's Reason) and the node conditions it raises (nodestatus setters).
    EVICTED("Evicted"),
    NODE_HAS_SUFFICIENT_MEMORY("NodeHasSufficientMemory"),
    NODE_HAS_INSUFFICIENT_MEMORY("NodeHasInsufficientMemory"),
    NODE_HAS_NO_DISK_PRESSURE("NodeHasNoDiskPressure"),
    NODE_HAS_DISK_PRESSURE("NodeHasDiskPressure"),
    NODE_HAS_SUFFICIENT_PID("NodeHasSufficientPID"),
    NODE_HAS_INSUFFICIENT_PID("NodeHasInsufficientPID"),

    // Config event reasons.
    FAILED_VALIDATION("FailedValidation"),

    // Lifecycle hooks.
    FAILED_POST_START_HOOK("FailedPostStartHook"),
    FAILED_PRE_STOP_HOOK("FailedPreStopHook"),
    /** An HTTPS hook answered in plain HTTP succeeded over HTTP (upstream's handlers.go writes it as a literal). */
    LIFECYCLE_HTTP_FALLBACK("LifecycleHTTPFallback"),
    /**
     * j8s's own: a postStart hook that was running when the kubelet stopped is run again for the same container
     * instance (the hook journal's at-least-once delivery).
     */
    POST_START_HOOK_REDELIVERED("PostStartHookRedelivered");

    private final String value;

    EventReason(String value) {
        this.value = value;
    }

    /** The string written to {@code Event.reason}, equal to upstream's. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
