package io.bigfile.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What to run: the sizes of one scale, how many runs, which figures, where the database is, and the
 * packaged jar that figure 10 runs. Read from {@code -Dbench.*} system properties (the Maven
 * profile forwards them).
 */
record BenchConfig(
    Scale scale,
    int runs,
    Set<Integer> figures,
    String dbSource,
    String dbUrl,
    String dbUser,
    String dbPassword,
    Path out,
    Path jar) {

  static final long KiB = 1024;
  static final long MiB = 1024 * KiB;
  static final long GiB = 1024 * MiB;

  /**
   * Every size of the harness.
   *
   * @param seqBytes the file of figures 1 to 3 (sequential read and write, random reads)
   * @param bigBytes the upload and download of figure 6 in a 256 MiB heap
   * @param ops operations of each format workload (figure 5)
   * @param randBlocks blocks the random format workloads spread over (figure 5)
   * @param warmReads random 4 KiB reads per timed warm run (figures 3 and 7)
   * @param coldReads random 4 KiB reads per timed cold run, at most one per block (figure 3)
   * @param pointSelects raw point selects per timed run, at least (figure 3)
   * @param commitSamples commits per size per run (figure 4)
   * @param commitPages 4 KiB pages of the figure 4 file
   * @param heapCommitBytes dirty bytes of the commit whose heap is watched (figure 6)
   * @param commitRateOps small commits per timed run, shared by the clients (figure 8)
   * @param userHeapMiB the {@code -Xmx} of the packaged jar in figure 10, which sizes its default
   *     page cache and so every file of that figure
   * @param userWarmUpSeconds untimed warm-up of each start of the jar before its timed runs (figure
   *     10)
   */
  record Scale(
      String name,
      long seqBytes,
      long bigBytes,
      int ops,
      int randBlocks,
      int warmReads,
      int coldReads,
      int pointSelects,
      int commitSamples,
      int commitPages,
      long heapCommitBytes,
      int commitRateOps,
      int userHeapMiB,
      int userWarmUpSeconds) {}

  static final Scale FULL =
      new Scale(
          "full", GiB, 4 * GiB, 500, 50, 20_000, 512, 5_000, 20, 4096, 256 * MiB, 3_000, 2048, 10);
  static final Scale SMALL =
      new Scale(
          "small", 64 * MiB, 256 * MiB, 50, 5, 2_000, 32, 1_000, 5, 1024, 32 * MiB, 400, 256, 3);

  static BenchConfig fromSystemProperties() {
    String scaleName = prop("bench.scale", "full").toLowerCase(Locale.ROOT);
    Scale scale =
        switch (scaleName) {
          case "full" -> FULL;
          case "small" -> SMALL;
          default ->
              throw new IllegalArgumentException("bench.scale must be full or small: " + scaleName);
        };
    int runs = Integer.parseInt(prop("bench.runs", "3"));
    if (runs < 1) {
      throw new IllegalArgumentException("bench.runs must be at least 1");
    }
    String figs = prop("bench.figures", "all");
    Set<Integer> figures = new TreeSet<>();
    if (figs.equalsIgnoreCase("all")) {
      figures.addAll(Set.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    } else {
      Arrays.stream(figs.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .map(Integer::parseInt)
          .forEach(figures::add);
    }
    if (figures.isEmpty() || figures.stream().anyMatch(f -> f < 1 || f > 10)) {
      throw new IllegalArgumentException("bench.figures must be 'all' or a list of 1..10: " + figs);
    }
    String source = prop("bench.db.source", "auto").toLowerCase(Locale.ROOT);
    if (!Set.of("auto", "local", "embedded").contains(source)) {
      throw new IllegalArgumentException(
          "bench.db.source must be auto, local or embedded: " + source);
    }
    return new BenchConfig(
        scale,
        runs,
        figures,
        source,
        prop("bench.db.url", ""),
        prop("bench.db.user", ""),
        prop("bench.db.password", ""),
        Path.of(prop("bench.out", "target/bench")).toAbsolutePath(),
        jar(prop("bench.jar", "")));
  }

  /**
   * The packaged jar of figure 10: {@code bench.jar} (the Maven profile passes the one its {@code
   * package} phase built), else the one {@code target/} holds, else null (figure 10 then fails,
   * saying so).
   */
  private static Path jar(String given) {
    if (!given.isEmpty()) {
      return Path.of(given).toAbsolutePath();
    }
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("bigfile-.*\\.jar"))
          .filter(p -> !p.getFileName().toString().endsWith("-plain.jar"))
          .map(Path::toAbsolutePath)
          .findFirst()
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  boolean runs(int figure) {
    return figures.contains(figure);
  }

  String figureList() {
    return figures.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static String prop(String name, String dflt) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? dflt : v.trim();
  }
}
