package dev.j8s.runtime;

/** Checks names that end up in host paths, cgroup paths and runtime ids; stateless. */
final class Names {
  private Names() {}

  /** Accepts only names that cannot traverse or inject into a path (no {@code /}, no {@code ..}). */
  static String requireSafe(String what, String value) {
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}") || value.contains("..")) {
      throw new IllegalArgumentException("invalid " + what + " \"" + value + "\"");
    }
    return value;
  }
}
