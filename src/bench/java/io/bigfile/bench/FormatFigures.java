package io.bigfile.bench;

import io.bigfile.bench.Raw.BlockRow;
import io.bigfile.bench.Results.Ratio;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Figure 5, after wendelin.core's {@code bench_zblkfmt}: for each write format, database bytes per
 * logical byte and cold read time per block after four workloads, each on a fresh file created with
 * {@code {"format": f, "blockSize": 2 MiB}} and each operation an autocommit request (its own
 * revision, as wendelin commits after each change):
 *
 * <ul>
 *   <li>append: {@code ops} appends of 1.4% of a block (29,360 bytes) to an empty file;
 *   <li>rand20: {@code ops} writes of 20% of a block (419,430 bytes) at a random offset of a random
 *       block of {@code randBlocks} blocks written beforehand;
 *   <li>full: {@code ops} rewrites of a whole random block of those;
 *   <li>mix: {@code ops} of either, chosen at random.
 * </ul>
 *
 * The same operations and bytes are applied to every format. Size: growth of {@code
 * pg_total_relation_size} of {@code block_version} and {@code chunk} (heap, TOAST, indexes) across
 * the workload (the prefill of the random workloads excluded), divided by the file's size; history
 * is kept (every revision is within the 1 h retention, so pack removes nothing). Read: the page
 * cache cleared, every block of the file read by one GET of its range in random order, one client;
 * the baseline reads the same block versions' rows with raw JDBC (one row per whole block, the
 * newest chunk rows per offset for a chunked one). The size row's baseline is the smallest of the
 * three formats for that workload.
 */
final class FormatFigures {

  private static final long SEED = 0x5eed_0005L;
  private static final int BLOCK = 2 * 1024 * 1024;
  private static final String[] FORMATS = {"whole", "chunked", "auto"};
  private static final String[] WORKLOADS = {"append", "rand20", "full", "mix"};

  private record Sample(double bytesPerByte, double grownMiB, double readMs, double rawReadMs) {}

  private FormatFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    int ops = cfg.scale().ops();
    int blocks = cfg.scale().randBlocks();
    Bench.log("figure 5: formats after wendelin's workloads (" + ops + " operations each)");
    // samples[workload][format] per run
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    for (int run = 1; run <= cfg.runs(); run++) {
      // each run on empty tables (and a new service over them), so that the database stays small
      db.resetSchema();
      try (InProcessService service = InProcessService.start(cfg, db);
          Connection raw = db.raw();
          Raw.Reader reader = new Raw.Reader(db.raw())) {
        Api api = service.api();
        // warm-up, untimed: a few operations of each workload and format
        for (String w : WORKLOADS) {
          for (String f : FORMATS) {
            one(api, service, raw, reader, w, f, Math.min(ops, 10), Math.min(blocks, 2), -run);
          }
        }
        for (String w : WORKLOADS) {
          for (String f : FORMATS) {
            Sample s = one(api, service, raw, reader, w, f, ops, blocks, run);
            samples.computeIfAbsent(w + "/" + f, k -> new ArrayList<>()).add(s);
            Bench.log(
                String.format(
                    Locale.ROOT,
                    "figure 5 run %d/%d, %s, %s: %.3f bytes per byte (+%.1f MiB), read %.2f ms/blk,"
                        + " raw %.2f ms/blk",
                    run,
                    cfg.runs(),
                    w,
                    f,
                    s.bytesPerByte(),
                    s.grownMiB(),
                    s.readMs(),
                    s.rawReadMs()));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    addRows(cfg, results, samples, ops, blocks);
  }

  private static void addRows(
      BenchConfig cfg, Results results, Map<String, List<Sample>> samples, int ops, int blocks) {
    int k = 0;
    StringBuilder wendelin = new StringBuilder();
    for (String w : WORKLOADS) {
      for (String f : FORMATS) {
        Results.Row size =
            results.row(
                "5" + label(k++),
                "DB bytes per logical byte, " + w + ", " + f,
                "x",
                "smallest of the 3 formats",
                Ratio.BASE_OVER_OURS);
        for (int run = 0; run < cfg.runs(); run++) {
          double best = Double.MAX_VALUE;
          for (String g : FORMATS) {
            best = Math.min(best, samples.get(w + "/" + g).get(run).bytesPerByte());
          }
          size.add(samples.get(w + "/" + f).get(run).bytesPerByte(), best);
        }
      }
      for (String f : FORMATS) {
        Results.Row read =
            results.row(
                "5" + label(k++),
                "cold read per 2 MiB block, " + w + ", " + f,
                "ms/blk",
                "raw JDBC read of the same rows",
                Ratio.BASE_OVER_OURS);
        for (Sample s : samples.get(w + "/" + f)) {
          read.add(s.readMs(), s.rawReadMs());
        }
      }
      Results.Row autoRead =
          results.row(
              "5" + label(k++),
              "cold read per 2 MiB block, " + w + ", auto vs best format",
              "ms/blk",
              "fastest of the 3 formats over HTTP",
              Ratio.BASE_OVER_OURS);
      for (int run = 0; run < cfg.runs(); run++) {
        double best = Double.MAX_VALUE;
        for (String g : FORMATS) {
          best = Math.min(best, samples.get(w + "/" + g).get(run).readMs());
        }
        autoRead.add(samples.get(w + "/auto").get(run).readMs(), best);
      }
      wendelin.append(String.format(Locale.ROOT, "%n| %s |", w));
      for (String f : FORMATS) {
        List<Double> grown = new ArrayList<>();
        samples.get(w + "/" + f).forEach(s -> grown.add(s.grownMiB()));
        wendelin.append(String.format(Locale.ROOT, " %.1f MiB |", Results.median(grown)));
      }
      for (String f : FORMATS) {
        List<Double> ms = new ArrayList<>();
        samples.get(w + "/" + f).forEach(s -> ms.add(s.readMs()));
        wendelin.append(String.format(Locale.ROOT, " %.2f ms/blk |", Results.median(ms)));
      }
    }
    results.note(
        "figure 5: "
            + ops
            + " operations per workload; random workloads over "
            + blocks
            + " blocks of 2 MiB; database growth and read time per block (medians), laid out like"
            + " wendelin's bench_zblkfmt table:\n\n"
            + "| workload | whole size | chunked size | auto size | whole read | chunked read |"
            + " auto read |\n|---|---:|---:|---:|---:|---:|---:|"
            + wendelin);
  }

  private static String label(int k) {
    // 5a..5z, then 5aa, 5ab, ...
    return k < 26 ? String.valueOf((char) ('a' + k)) : "a" + (char) ('a' + k - 26);
  }

  /** One workload on a fresh file of one format. */
  private static Sample one(
      Api api,
      InProcessService service,
      Connection raw,
      Raw.Reader reader,
      String workload,
      String format,
      int ops,
      int blocks,
      int run) {
    String id =
        api.createFile(
            "{\"name\":\""
                + workload
                + "-"
                + format
                + "-"
                + run
                + "\",\"format\":\""
                + format
                + "\",\"blockSize\":"
                + BLOCK
                + "}");
    long seed = SEED + 1000L * run + workload.hashCode();
    long logical;
    if (!workload.equals("append")) {
      api.replace(id, (long) blocks * BLOCK, seed);
      logical = (long) blocks * BLOCK;
    } else {
      logical = 0;
    }
    long before = Raw.dbBytes(raw);
    // the same operations for every format: the random choices depend on the workload and run only
    Random rnd = new Random(seed);
    int appendLen = (int) Math.round(BLOCK * 0.014);
    int part = BLOCK / 5;
    for (int i = 0; i < ops; i++) {
      long opSeed = seed * 31 + i + 1;
      switch (workload) {
        case "append" -> {
          api.append(id, logical, appendLen, opSeed);
          logical += appendLen;
        }
        case "rand20" -> rand20(api, id, rnd, blocks, part, opSeed);
        case "full" -> full(api, id, rnd, blocks, opSeed);
        case "mix" -> {
          if (rnd.nextBoolean()) {
            rand20(api, id, rnd, blocks, part, opSeed);
          } else {
            full(api, id, rnd, blocks, opSeed);
          }
        }
        default -> throw new IllegalArgumentException(workload);
      }
    }
    long after = Raw.dbBytes(raw);

    List<BlockRow> rows = new ArrayList<>(Raw.latestRows(raw, Raw.fileId(id)));
    Collections.shuffle(rows, new Random(seed));
    long size = logical;
    service.clearCache();
    double tRead =
        Load.time(
            () -> {
              for (BlockRow r : rows) {
                long off = r.blk() * BLOCK;
                long len = Math.min(BLOCK, size - off);
                ReadFigures.check(api.read(Api.content(id), Api.range(off, len)), len);
              }
            });
    double tRaw =
        Load.time(
            () -> {
              for (BlockRow r : rows) {
                reader.readBlock(Raw.fileId(id), r);
              }
            });
    return new Sample(
        (after - before) / (double) logical,
        (after - before) / (double) BenchConfig.MiB,
        tRead * 1000 / rows.size(),
        tRaw * 1000 / rows.size());
  }

  private static void rand20(Api api, String id, Random rnd, int blocks, int part, long seed) {
    long blk = rnd.nextInt(blocks);
    long off = blk * BLOCK + rnd.nextInt(BLOCK - part + 1);
    api.writeAt(id, off, part, seed);
  }

  private static void full(Api api, String id, Random rnd, int blocks, long seed) {
    long blk = rnd.nextInt(blocks);
    api.writeAt(id, blk * BLOCK, BLOCK, seed);
  }
}
