package dev.j8s.runtime.oci;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The numeric identity and home directory a container process runs with, resolved from a
 * {@link ContainerConfig.User} in the container's own {@code /etc/passwd} and {@code /etc/group}; immutable
 * and thread-safe.
 *
 * <p>Follows runc's {@code libcontainer/user.GetExecUser} (a numeric user needs no passwd entry, a name
 * does; an explicit group replaces the passwd entry's group) and containerd's CRI options: supplementary
 * groups are the user's {@code /etc/group} memberships plus the pod's {@code supplementalGroups}, with the
 * primary gid first (containerd's fix for CVE-2023-25173). Both files are read through {@link RootPath},
 * regular files only and at most {@link #MAX_FILE_BYTES} each (CVE-2024-9676: an image's
 * {@code etc/passwd -> /dev/zero}).
 *
 * @param uid the user id
 * @param gid the primary group id
 * @param additionalGids the supplementary groups, primary gid first, no duplicates
 * @param home the passwd entry's home directory, {@code /} without one
 */
public record ExecUser(long uid, long gid, List<Long> additionalGids, String home) {

  /** The largest {@code /etc/passwd} or {@code /etc/group} read. */
  public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

  /** runc's id range ({@code user.ErrRange}). */
  static final long MAX_ID = Integer.MAX_VALUE;

  public ExecUser {
    additionalGids = List.copyOf(additionalGids);
  }

  /**
   * Resolves {@code user} in {@code rootfs}; a numeric {@code User} without a lookup is returned as given
   * with home {@code /}.
   *
   * @throws ContainerRuntimeException worded as runc: {@code unable to find user nobody: no matching entries
   *     in passwd file}, {@code unable to find group staff: no matching entries in group file}, or a file
   *     that cannot be read safely
   */
  public static ExecUser resolve(Path rootfs, ContainerConfig.User user) {
    if (user.lookup().isEmpty()) {
      return new ExecUser(user.uid(), user.gid(), user.additionalGids(), "/");
    }
    ContainerConfig.Lookup lookup = user.lookup().get();
    List<Passwd> users = Passwd.parse(read(rootfs, "/etc/passwd"));
    Optional<Long> numericUser = id(lookup.user());
    Optional<Passwd> entry = users.stream()
        .filter(p -> numericUser.map(uid -> p.uid() == uid).orElse(p.name().equals(lookup.user())))
        .findFirst();
    if (numericUser.isEmpty() && entry.isEmpty()) {
      throw new ContainerRuntimeException("unable to find user " + lookup.user()
          + ": no matching entries in passwd file");
    }
    long uid = numericUser.orElseGet(() -> entry.get().uid());
    List<Group> groups = null;
    long gid;
    if (lookup.group().isPresent()) {
      String group = lookup.group().get();
      Optional<Long> numericGroup = id(group);
      if (numericGroup.isPresent()) {
        gid = numericGroup.get();
      } else {
        groups = Group.parse(read(rootfs, "/etc/group"));
        gid = groups.stream().filter(g -> g.name().equals(group)).findFirst().map(Group::gid)
            .orElseThrow(() -> new ContainerRuntimeException("unable to find group " + group
                + ": no matching entries in group file"));
      }
    } else {
      gid = entry.map(Passwd::gid).orElse(0L);
    }
    Set<Long> additional = new LinkedHashSet<>();
    additional.add(gid);
    if (entry.isPresent()) {
      String name = entry.get().name();
      if (groups == null) {
        groups = Group.parse(read(rootfs, "/etc/group"));
      }
      // containerd's WithAdditionalGIDs: memberships only, not the group named like the user
      groups.stream().filter(g -> !g.name().equals(name) && g.members().contains(name))
          .forEach(g -> additional.add(g.gid()));
    }
    additional.addAll(user.additionalGids());
    String home = entry.map(Passwd::home).filter(h -> !h.isEmpty()).orElse("/");
    return new ExecUser(uid, gid, new ArrayList<>(additional), home);
  }

  /** The numeric user for the runtime spec. */
  public ContainerConfig.User numeric() {
    return new ContainerConfig.User(uid, gid, additionalGids);
  }

  private static String read(Path rootfs, String file) {
    return RootPath.readFile(rootfs, file, MAX_FILE_BYTES)
        .map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
  }

  /** A decimal id in runc's range, or empty for a name. */
  static Optional<Long> id(String s) {
    if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      return Optional.empty();
    }
    long value = Long.parseLong(s);
    if (value > MAX_ID) {
      throw new ContainerRuntimeException("uids and gids must be in range 0-" + MAX_ID + ": " + s);
    }
    return Optional.of(value);
  }

  /** One valid {@code /etc/passwd} line: {@code name:password:uid:gid:gecos:home:shell}. */
  record Passwd(String name, long uid, long gid, String home) {
    /** The valid entries in order; comments, blank and malformed lines (bad ids, too few fields) skipped. */
    static List<Passwd> parse(String content) {
      List<Passwd> entries = new ArrayList<>();
      for (String line : content.split("\n")) {
        String[] f = line.strip().split(":", -1);
        if (line.isBlank() || line.strip().startsWith("#") || f.length < 4 || f[0].isEmpty()) {
          continue;
        }
        Optional<Long> uid = validId(f[2]);
        Optional<Long> gid = validId(f[3]);
        if (uid.isPresent() && gid.isPresent()) {
          entries.add(new Passwd(f[0], uid.get(), gid.get(), f.length > 5 ? f[5] : ""));
        }
      }
      return entries;
    }
  }

  /** One valid {@code /etc/group} line: {@code name:password:gid:member,member}. */
  record Group(String name, long gid, List<String> members) {
    Group {
      members = List.copyOf(members);
    }

    /** The valid entries in order; comments, blank and malformed lines skipped. */
    static List<Group> parse(String content) {
      List<Group> entries = new ArrayList<>();
      for (String line : content.split("\n")) {
        String[] f = line.strip().split(":", -1);
        if (line.isBlank() || line.strip().startsWith("#") || f.length < 3 || f[0].isEmpty()) {
          continue;
        }
        Optional<Long> gid = validId(f[2]);
        if (gid.isEmpty()) {
          continue;
        }
        List<String> members = f.length > 3 && !f[3].isEmpty()
            ? List.of(f[3].split(",")).stream().map(String::strip).filter(m -> !m.isEmpty()).toList()
            : List.of();
        entries.add(new Group(f[0], gid.get(), members));
      }
      return entries;
    }
  }

  private static Optional<Long> validId(String s) {
    try {
      return id(s);
    } catch (ContainerRuntimeException outOfRange) {
      return Optional.empty();
    }
  }
}
