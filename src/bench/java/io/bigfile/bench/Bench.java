package io.bigfile.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The side-by-side benchmark: every figure of the service measured against its raw baseline in the
 * same run, on the same data, printed as one table and written to {@code target/bench/results.md}.
 * Run with {@code ./mvnw -Pbench verify} (see the README, "Performance"). It never asserts a
 * timing.
 */
public final class Bench {

  private Bench() {}

  public static void main(String[] args) {
    // before the JDK HttpServer classes load: send small responses at once, as Tomcat does
    System.setProperty("sun.net.httpserver.nodelay", "true");
    BenchConfig cfg = BenchConfig.fromSystemProperties();
    try {
      Files.createDirectories(cfg.out());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Instant started = Instant.now();
    log(
        "scale "
            + cfg.scale().name()
            + ", "
            + cfg.runs()
            + " runs, figures "
            + cfg.figureList()
            + ", results to "
            + cfg.out().resolve("results.md"));
    Results results = new Results();
    List<String> failures = new ArrayList<>();
    Map<String, String> machine;
    BenchDb db = BenchDb.open(cfg);
    Runtime.getRuntime().addShutdownHook(new Thread(db::close, "bench-db-cleanup"));
    try {
      machine = machine(cfg, db);
      machine.forEach((k, v) -> log(k + ": " + v));
      if (cfg.runs(1) || cfg.runs(3)) {
        group("1, 3", () -> ReadFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(2)) {
        group("2", () -> WriteFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(4)) {
        group("4", () -> CommitFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(5)) {
        group("5", () -> FormatFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(6)) {
        group("6", () -> MemoryFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(7)) {
        group("7", () -> AuthFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(8)) {
        group("8", () -> CommitRateFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(9)) {
        group("9", () -> ForwardingFigures.run(cfg, db, results), failures);
      }
      if (cfg.runs(10)) {
        group("10", () -> UserFigures.run(cfg, db, results), failures);
      }
      machine.put("load average at the end", loadAverage());
    } finally {
      db.close();
    }
    long seconds = ChronoUnit.SECONDS.between(started, Instant.now());
    machine.put("duration", seconds / 60 + " min " + seconds % 60 + " s");
    String text = report(cfg, machine, results, failures);
    System.out.println();
    System.out.println(text);
    String md = markdown(cfg, started, machine, results, failures);
    Path out = cfg.out().resolve("results.md");
    try {
      Files.writeString(out, md, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log("written " + out);
    if (!failures.isEmpty()) {
      System.exit(1);
    }
  }

  private static void group(String figures, Runnable body, List<String> failures) {
    try {
      body.run();
    } catch (RuntimeException e) {
      String msg = "figure " + figures + " did not complete: " + e;
      System.err.println("[bench] " + msg);
      e.printStackTrace(System.err); // the figure is reported as failed; the trace says why
      failures.add(msg);
    }
  }

  static void log(String line) {
    System.out.println("[bench] " + line);
  }

  /** Bytes in the largest binary unit that keeps a number of at least 1. */
  static String size(long bytes) {
    double b = bytes;
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (Math.abs(b) >= 1024 && u < units.length - 1) {
      b /= 1024;
      u++;
    }
    return (b == Math.rint(b) ? String.valueOf((long) b) : Results.num(b)) + " " + units[u];
  }

  private static Map<String, String> machine(BenchConfig cfg, BenchDb db) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cores (nproc)", String.valueOf(Runtime.getRuntime().availableProcessors()));
    m.put("cpu", cpuModel());
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    m.put("memory", size(os.getTotalMemorySize()));
    m.put(
        "os",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    m.put(
        "java",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")");
    m.put(
        "harness JVM",
        "max heap "
            + size(Runtime.getRuntime().maxMemory())
            + ", GC "
            + ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", ")));
    Map<String, String> pg = db.serverSettings();
    m.put("postgresql", pg.getOrDefault("version", "?"));
    m.put(
        "postgresql settings",
        pg.entrySet().stream()
            .filter(e -> !e.getKey().equals("version"))
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(", ")));
    m.put("database", db.source() + ", schema " + BenchDb.SCHEMA);
    m.put(
        "service",
        "in this JVM (figures 1-5, 7, 8) or a child JVM (figures 6, 9), default settings except "
            + InProcessService.settings(cfg).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "))
            + "; authentication on: bigfile.security.mode=token with one static token of every"
            + " scope, sent by every client as Authorization: Bearer (figure 7 also runs mode"
            + " none); figure 10 runs the packaged jar in a JVM of its own with every setting at"
            + " its default and the token it generates");
    m.put(
        "clients",
        "Http1Client (the harness's own minimal HTTP/1.1 client: one keep-alive connection per"
            + " client over a plain socket, TCP_NODELAY, 64 KiB buffers, downloads counted and"
            + " dropped) and JDBC over loopback, in the harness JVM: the load generator shares the"
            + " machine's cores with the service and PostgreSQL");
    m.put(
        "caches",
        "cold = every cache of the service cleared (blocks, file records, block index:"
            + " Engine.clearCaches()) and its heap collected; PostgreSQL's shared buffers"
            + " and the OS page cache are never dropped, for either side");
    m.put("load average at the start", loadAverage());
    return m;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return String.format(
          Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  private static String report(
      BenchConfig cfg, Map<String, String> machine, Results results, List<String> failures) {
    StringBuilder sb = new StringBuilder();
    sb.append("bigfile benchmark, scale ")
        .append(cfg.scale().name())
        .append(", median of ")
        .append(cfg.runs())
        .append(" run")
        .append(cfg.runs() == 1 ? "" : "s")
        .append("; min..max is the ratio's range over the runs\n");
    machine.forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
    sb.append('\n').append(results.text()).append('\n');
    for (String n : results.notes()) {
      sb.append("- ").append(n).append('\n');
    }
    for (String f : failures) {
      sb.append("! ").append(f).append('\n');
    }
    return sb.toString();
  }

  private static String markdown(
      BenchConfig cfg,
      Instant started,
      Map<String, String> machine,
      Results results,
      List<String> failures) {
    StringBuilder sb = new StringBuilder();
    sb.append("# bigfile benchmark results\n\n");
    sb.append("Scale `")
        .append(cfg.scale().name())
        .append("`, figures ")
        .append(cfg.figureList())
        .append(", median of ")
        .append(cfg.runs())
        .append(" run")
        .append(cfg.runs() == 1 ? "" : "s")
        .append(", started ")
        .append(started.truncatedTo(ChronoUnit.SECONDS))
        .append(".\n\n## Machine\n\n");
    machine.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
    sb.append("\n## Figures\n\n")
        .append(
            "Every ratio is oriented so that above 1 is better for the service; the last column")
        .append(" says how it is computed and against what. min..max is the ratio's range over the")
        .append(" runs.\n\n")
        .append(results.markdown());
    if (!failures.isEmpty()) {
      sb.append("\n## Failures\n\n");
      failures.forEach(f -> sb.append("- ").append(f).append('\n'));
    }
    sb.append("\n## Notes\n\n");
    for (String n : results.notes()) {
      sb.append("- ").append(n.replace("\n", "\n  ")).append('\n');
    }
    sb.append("\n## Every run\n\n").append(results.samplesMarkdown());
    return sb.toString();
  }
}
