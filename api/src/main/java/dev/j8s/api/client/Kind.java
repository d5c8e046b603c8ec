package dev.j8s.api.client;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Objects;

/**
 * One served resource as a client addresses it: group, version, kind, plural and scope, and the fabric8 model
 * class its objects decode into. Immutable and thread-safe.
 *
 * @param group      the API group, empty for the core group
 * @param version    the version ({@code v1})
 * @param kind       the kind ({@code Deployment})
 * @param plural     the resource in URLs ({@code deployments})
 * @param namespaced whether objects live in a namespace
 * @param type       the model class
 */
public record Kind<T extends HasMetadata>(String group, String version, String kind, String plural,
    boolean namespaced, Class<T> type) {

  public static final Kind<Pod> PODS = core("Pod", "pods", true, Pod.class);
  public static final Kind<Node> NODES = core("Node", "nodes", false, Node.class);
  public static final Kind<Namespace> NAMESPACES = core("Namespace", "namespaces", false, Namespace.class);
  public static final Kind<Service> SERVICES = core("Service", "services", true, Service.class);
  public static final Kind<Endpoints> ENDPOINTS = core("Endpoints", "endpoints", true, Endpoints.class);
  public static final Kind<ConfigMap> CONFIG_MAPS = core("ConfigMap", "configmaps", true, ConfigMap.class);
  public static final Kind<Secret> SECRETS = core("Secret", "secrets", true, Secret.class);
  public static final Kind<ServiceAccount> SERVICE_ACCOUNTS =
      core("ServiceAccount", "serviceaccounts", true, ServiceAccount.class);
  public static final Kind<Event> EVENTS = core("Event", "events", true, Event.class);
  public static final Kind<ResourceQuota> RESOURCE_QUOTAS =
      core("ResourceQuota", "resourcequotas", true, ResourceQuota.class);
  public static final Kind<LimitRange> LIMIT_RANGES = core("LimitRange", "limitranges", true, LimitRange.class);
  public static final Kind<Lease> LEASES =
      new Kind<>("coordination.k8s.io", "v1", "Lease", "leases", true, Lease.class);
  public static final Kind<EndpointSlice> ENDPOINT_SLICES =
      new Kind<>("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, EndpointSlice.class);
  public static final Kind<Deployment> DEPLOYMENTS = apps("Deployment", "deployments", Deployment.class);
  public static final Kind<ReplicaSet> REPLICA_SETS = apps("ReplicaSet", "replicasets", ReplicaSet.class);
  public static final Kind<DaemonSet> DAEMON_SETS = apps("DaemonSet", "daemonsets", DaemonSet.class);
  public static final Kind<ControllerRevision> CONTROLLER_REVISIONS =
      apps("ControllerRevision", "controllerrevisions", ControllerRevision.class);
  public static final Kind<PodDisruptionBudget> POD_DISRUPTION_BUDGETS =
      new Kind<>("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, PodDisruptionBudget.class);
  public static final Kind<StatefulSet> STATEFUL_SETS = apps("StatefulSet", "statefulsets", StatefulSet.class);
  public static final Kind<PersistentVolumeClaim> PERSISTENT_VOLUME_CLAIMS =
      core("PersistentVolumeClaim", "persistentvolumeclaims", true, PersistentVolumeClaim.class);
  public static final Kind<PersistentVolume> PERSISTENT_VOLUMES =
      core("PersistentVolume", "persistentvolumes", false, PersistentVolume.class);
  public static final Kind<StorageClass> STORAGE_CLASSES =
      new Kind<>("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, StorageClass.class);
  public static final Kind<Job> JOBS = new Kind<>("batch", "v1", "Job", "jobs", true, Job.class);
  public static final Kind<CronJob> CRON_JOBS = new Kind<>("batch", "v1", "CronJob", "cronjobs", true, CronJob.class);
  public static final Kind<CertificateSigningRequest> CERTIFICATE_SIGNING_REQUESTS = new Kind<>("certificates.k8s.io",
      "v1", "CertificateSigningRequest", "certificatesigningrequests", false, CertificateSigningRequest.class);

  /**
   * The kinds whose objects can own others or be owned and that the garbage collector follows: every kind above
   * but events (upstream's collector ignores events too: there are many and nothing owns them).
   */
  public static final List<Kind<?>> GARBAGE_COLLECTED = List.of(PODS, NODES, NAMESPACES, SERVICES, ENDPOINTS,
      ENDPOINT_SLICES, CONFIG_MAPS, SECRETS, SERVICE_ACCOUNTS, RESOURCE_QUOTAS, LIMIT_RANGES, LEASES, DEPLOYMENTS,
      REPLICA_SETS, DAEMON_SETS, CONTROLLER_REVISIONS, POD_DISRUPTION_BUDGETS, JOBS, CRON_JOBS, STATEFUL_SETS,
      PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES);

  public Kind {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(plural, "plural");
    Objects.requireNonNull(type, "type");
  }

  private static <T extends HasMetadata> Kind<T> core(String kind, String plural, boolean namespaced, Class<T> type) {
    return new Kind<>("", "v1", kind, plural, namespaced, type);
  }

  private static <T extends HasMetadata> Kind<T> apps(String kind, String plural, Class<T> type) {
    return new Kind<>("apps", "v1", kind, plural, true, type);
  }

  /** {@code v1} or {@code apps/v1}, as in an object's {@code apiVersion}. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** The kind of {@code apiVersion}/{@code kind} among {@link #GARBAGE_COLLECTED}, if any. */
  public static java.util.Optional<Kind<?>> of(String apiVersion, String kind) {
    return GARBAGE_COLLECTED.stream()
        .filter(k -> k.apiVersion().equals(apiVersion) && k.kind().equals(kind))
        .findFirst();
  }

  @Override
  public String toString() {
    return group.isEmpty() ? plural : plural + "." + group;
  }
}
