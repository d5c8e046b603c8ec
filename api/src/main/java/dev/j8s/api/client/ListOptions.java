package dev.j8s.api.client;

import java.util.Objects;

/**
 * What a list or watch selects: a label selector and a field selector in their query-string forms
 * ({@code app=web,tier!=db}, {@code metadata.name=web}), empty for everything. Immutable.
 */
public record ListOptions(String labelSelector, String fieldSelector) {

  /** Every object. */
  public static final ListOptions EVERYTHING = new ListOptions("", "");

  public ListOptions {
    Objects.requireNonNull(labelSelector, "labelSelector");
    Objects.requireNonNull(fieldSelector, "fieldSelector");
  }

  public static ListOptions labels(String selector) {
    return new ListOptions(selector, "");
  }

  public static ListOptions fields(String selector) {
    return new ListOptions("", selector);
  }
}
