package io.trellis.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One reading of a process's CPU time (utime + stime of all its threads from {@code /proc/<pid>/stat}, in clock ticks;
 * child processes are not included) and memory ({@code VmRSS}, {@code VmHWM} from {@code /proc/<pid>/status}).
 *
 * @param pid the process
 * @param ticks utime + stime in clock ticks, or -1 when the process is gone
 * @param rssKb VmRSS in KiB, or -1
 * @param hwmKb VmHWM in KiB, or -1
 */
public record ProcSample(long pid, long ticks, long rssKb, long hwmKb) {
  /** USER_HZ; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Java). */
  public static final long CLOCK_TICKS_PER_SECOND = 100;

  public static ProcSample read(long pid) {
    long ticks = -1;
    long rss = -1;
    long hwm = -1;
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) may contain spaces: fields after the last ')' are space separated from field 3.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime is field 14, stime field 15
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kb(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kb(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process is gone or not ours to read: reported as -1
    }
    return new ProcSample(pid, ticks, rss, hwm);
  }

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }
}
