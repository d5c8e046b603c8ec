package dev.j8s.runtime.conmon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
* The fields of {@code /proc/<pid>/stat} the runtime looks at: the command name ({@code comm}, which may hold spaces
* and parentheses, so the fields after it are split from its last {@code ')'}), the state, the session id and the
* start time in clock ticks after boot (what runc records as {@code init_process_start}).
*/
record ProcStat(String comm, char state, long session, long startTime) {

  /** The process's fields, empty when it is gone or its line cannot be read. */
  static Optional<ProcStat> of(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      String comm = stat.substring(stat.indexOf('(') + 1, close);
      // after the name: state (field 3), ppid, pgrp, session (field 6), ... starttime (field 22)
      String[] fields = stat.substring(close + 2).split(" ");
      return Optional.of(new ProcStat(comm, fields[0].charAt(0), Long.parseLong(fields[3]),
          Long.parseLong(fields[19])));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Neither a zombie nor dead: the process still runs. */
  boolean running() {
    return state != 'Z' && state != 'X';
  }
}
