package dev.j8s.api.client;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The meta/v1 DeleteOptions a client sends: propagation, grace period and the uid/resourceVersion
 * preconditions (empty for none). Immutable.
 */
public record DeleteOptions(Propagation propagation, OptionalLong gracePeriodSeconds, String uid,
    String resourceVersion) {

  /** {@code propagationPolicy}; {@link #DEFAULT} sends none, so the resource's default applies. */
  public enum Propagation {
    DEFAULT(""), BACKGROUND("Background"), FOREGROUND("Foreground"), ORPHAN("Orphan");

    private final String value;

    Propagation(String value) {
      this.value = value;
    }

    /** The wire value, empty for {@link #DEFAULT}. */
    public String value() {
      return value;
    }
  }

  public DeleteOptions {
    Objects.requireNonNull(propagation, "propagation");
    Objects.requireNonNull(gracePeriodSeconds, "gracePeriodSeconds");
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(resourceVersion, "resourceVersion");
  }

  /** No policy, no grace period, no precondition. */
  public static DeleteOptions defaults() {
    return new DeleteOptions(Propagation.DEFAULT, OptionalLong.empty(), "", "");
  }

  public static DeleteOptions propagation(Propagation propagation) {
    return defaults().withPropagation(propagation);
  }

  public DeleteOptions withPropagation(Propagation value) {
    return new DeleteOptions(value, gracePeriodSeconds, uid, resourceVersion);
  }

  public DeleteOptions withGracePeriod(long seconds) {
    return new DeleteOptions(propagation, OptionalLong.of(seconds), uid, resourceVersion);
  }

  /** Deletes only while the object still has this uid (the name may have been reused meanwhile). */
  public DeleteOptions withUid(String value) {
    return new DeleteOptions(propagation, gracePeriodSeconds, value, resourceVersion);
  }

  public DeleteOptions withResourceVersion(String value) {
    return new DeleteOptions(propagation, gracePeriodSeconds, uid, value);
  }
}
