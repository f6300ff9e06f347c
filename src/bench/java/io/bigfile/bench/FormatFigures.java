package io.bigfile.bench;

import io.bigfile.bench.Raw.BlockRow;
import io.bigfile.bench.Results.Ratio;
import io.bigfile.block.BlockStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Figure 5, after wendelin.core's {@code bench_zblkfmt}: for each write format, database bytes per
 * logical byte and cold read time per block after six workloads, each on a fresh file created with
 * {@code {"format": f, "blockSize": 2 MiB}} and each operation an autocommit request (its own
 * revision, as wendelin commits after each change):
 *
 * <ul>
 *   <li>append: {@code ops} appends of 1.4% of a block (29,360 bytes) to an empty file;
 *   <li>rand20: {@code ops} writes of 20% of a block (419,430 bytes) at a random offset of a random
 *       block of {@code randBlocks} blocks written beforehand;
 *   <li>full: {@code ops} rewrites of a whole random block of those;
 *   <li>mix: {@code ops} of either, chosen at random;
 *   <li>sparse, a sensor array filled in random order: an empty file extended to {@code randBlocks}
 *       blocks ({@code PATCH} of its size: no data, every block a hole), then filled completely by
 *       {@code ops} writes of its slices (the file's size over {@code ops}, boundaries rounded to 4
 *       KiB) in a random order;
 *   <li>log, an append-only log read while it grows: the appends of {@code append}, and after each
 *       one a GET of the bytes just appended, through the service as a client tailing the log does
 *       (the page cache is not cleared between them); the mean time of these reads is a figure of
 *       its own.
 * </ul>
 *
 * The same operations and bytes are applied to every format. Size: growth of {@code
 * pg_total_relation_size} of the block tables ({@link Raw#dbBytes}: {@code block_version}, {@code
 * chunk}, and {@code overlay} where the schema has it; heap, TOAST, indexes) across the workload
 * (the prefill of rand20, full and mix excluded), divided by the file's size; history is kept
 * (every revision is within the 1 h retention). Read: the page cache cleared, every block of the
 * file read by one GET of its range in random order, one client; the baseline reads the same block
 * versions' rows with raw JDBC (one row per whole block, the newest chunk rows per offset for a
 * chunked one). The size row's baseline is the smallest of the three formats for that workload.
 *
 * <p>After pack: once every workload of a run is done, the service's {@link BlockStore} raises the
 * oldest retained revision to the head and packs to it, so that each file keeps only the versions
 * its head reads, as every file does once its history has left the retention window. Growth of the
 * tables cannot show that (pack frees space inside them, it does not shrink them), nor be taken for
 * one file after the fact, so both sides of this comparison use a per-file measure, {@link
 * Raw.StoredBytes}: the bytes the file's rows in the block tables would fill if written alone,
 * rebuilt from each row's stored column sizes ({@code pg_column_size}, compressed where they are):
 * its heap tuple and index entries, and the TOAST pages its large values fill, placed on pages as
 * PostgreSQL places them. Over a fresh table it comes within 1% of {@code pg_total_relation_size};
 * over the service's tables the note gives the ratio (they also hold dead rows and free space). The
 * same measure is taken of the same file just before pack, prefill included, so "before" and
 * "after" compare like with like; the growth figure, which excludes the prefill and counts pages,
 * is not the "before" of this one. Pack must not change what a file reads: its content's SHA-256
 * over HTTP is compared before and after, and a difference fails the row.
 */
final class FormatFigures {

  private static final long SEED = 0x5eed_0005L;
  private static final int BLOCK = 2 * 1024 * 1024;
  private static final int PAGE = 4096;
  private static final int APPEND = (int) Math.round(BLOCK * 0.014);
  private static final String[] FORMATS = {"whole", "chunked", "auto"};
  private static final String[] WORKLOADS = {"append", "rand20", "full", "mix", "sparse", "log"};

  /** One workload on one format, measured at its end ({@code tailMs} NaN but for log). */
  private record Sample(
      String id,
      long logical,
      double bytesPerByte,
      double grownMiB,
      double readMs,
      double rawReadMs,
      double tailMs) {}

  /** The per-file measure of one workload's file before and after pack; whether it reads alike. */
  private record Packed(long logical, long before, long after, boolean sameContent) {

    double beforePerByte() {
      return before / (double) logical;
    }

    double afterPerByte() {
      return after / (double) logical;
    }
  }

  /** What pack did to one run's whole database. */
  private record PackRun(double seconds, long measuredBefore, long tablesBefore) {}

  private FormatFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    int ops = cfg.scale().ops();
    int blocks = cfg.scale().randBlocks();
    Bench.log("figure 5: formats after wendelin's workloads (" + ops + " operations each)");
    // per "workload/format", one entry per run
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Map<String, List<Packed>> packed = new LinkedHashMap<>();
    List<PackRun> packs = new ArrayList<>();
    for (int run = 1; run <= cfg.runs(); run++) {
      // each run on empty tables (and a new service over them), so that the database stays small
      db.resetSchema();
      long t0 = System.nanoTime();
      try (InProcessService service = InProcessService.start(cfg, db);
          Connection raw = db.raw();
          Raw.Reader reader = new Raw.Reader(db.raw())) {
        Api api = service.api();
        // warm-up, untimed: a few operations of each workload and format
        long tw = System.nanoTime();
        for (String w : WORKLOADS) {
          for (String f : FORMATS) {
            one(api, service, raw, reader, w, f, Math.min(ops, 10), Math.min(blocks, 2), -run);
          }
        }
        Bench.log(
            String.format(
                Locale.ROOT,
                "figure 5 run %d/%d: warm-up took %.1f s",
                run,
                cfg.runs(),
                (System.nanoTime() - tw) / 1e9));
        Map<String, Sample> thisRun = new LinkedHashMap<>();
        for (String w : WORKLOADS) {
          for (String f : FORMATS) {
            long t = System.nanoTime();
            Sample s = one(api, service, raw, reader, w, f, ops, blocks, run);
            thisRun.put(w + "/" + f, s);
            samples.computeIfAbsent(w + "/" + f, k -> new ArrayList<>()).add(s);
            Bench.log(
                String.format(
                    Locale.ROOT,
                    "figure 5 run %d/%d, %s, %s: %.3f bytes per byte (+%.1f MiB), read %.2f ms/blk,"
                        + " raw %.2f ms/blk%s (%.1f s)",
                    run,
                    cfg.runs(),
                    w,
                    f,
                    s.bytesPerByte(),
                    s.grownMiB(),
                    s.readMs(),
                    s.rawReadMs(),
                    Double.isNaN(s.tailMs())
                        ? ""
                        : String.format(Locale.ROOT, ", tail read %.2f ms", s.tailMs()),
                    (System.nanoTime() - t) / 1e9));
          }
        }
        long tp = System.nanoTime();
        packs.add(packAndMeasure(service, api, raw, thisRun, packed, run, cfg.runs()));
        Bench.log(
            String.format(
                Locale.ROOT,
                "figure 5 run %d/%d: measures, digests and pack took %.1f s",
                run,
                cfg.runs(),
                (System.nanoTime() - tp) / 1e9));
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      Bench.log(
          String.format(
              Locale.ROOT,
              "figure 5 run %d/%d took %.0f s",
              run,
              cfg.runs(),
              (System.nanoTime() - t0) / 1e9));
    }
    addRows(cfg, results, samples, packed, packs, ops, blocks);
  }

  /**
   * Takes the per-file measure and the content's digest of every file of the run, packs the whole
   * history up to the head, and takes them again.
   */
  private static PackRun packAndMeasure(
      InProcessService service,
      Api api,
      Connection raw,
      Map<String, Sample> files,
      Map<String, List<Packed>> packed,
      int run,
      int runs) {
    Raw.StoredBytes measure = Raw.StoredBytes.of(raw);
    Map<String, Raw.Measure> before = new LinkedHashMap<>();
    Map<String, String> digests = new LinkedHashMap<>();
    for (Map.Entry<String, Sample> e : files.entrySet()) {
      String id = e.getValue().id();
      before.put(e.getKey(), measure.file(raw, Raw.fileId(id)));
      digests.put(e.getKey(), api.digest(Api.content(id)));
    }
    long measuredBefore = measure.all(raw).bytes();
    long tablesBefore = Raw.dbBytes(raw);
    BlockStore store = service.blockStore();
    long head = store.headRevision();
    double seconds =
        Load.time(
            () -> {
              store.retainFrom(head);
              store.pack(head);
            });
    // nothing cached may stand for what pack removed or rewrote: the content is read from the rows
    service.clearCache();
    Bench.log(
        String.format(
            Locale.ROOT,
            "figure 5 run %d/%d: pack to the head (revision %d) took %.2f s; the per-file measure of"
                + " every row before it was %.1f MiB, the block tables %.1f MiB",
            run,
            runs,
            head,
            seconds,
            measuredBefore / (double) BenchConfig.MiB,
            tablesBefore / (double) BenchConfig.MiB));
    for (Map.Entry<String, Sample> e : files.entrySet()) {
      String id = e.getValue().id();
      Raw.Measure b = before.get(e.getKey());
      Raw.Measure a = measure.file(raw, Raw.fileId(id));
      boolean same = digests.get(e.getKey()).equals(api.digest(Api.content(id)));
      Packed p = new Packed(e.getValue().logical(), b.bytes(), a.bytes(), same);
      packed.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(p);
      Bench.log(
          String.format(
              Locale.ROOT,
              "figure 5 run %d/%d, %s: stored %.1f MiB in %d rows before pack (%.3f bytes per"
                  + " byte), %.1f MiB in %d rows after (%.3f)%s",
              run,
              runs,
              e.getKey().replace('/', ' '),
              b.bytes() / (double) BenchConfig.MiB,
              b.rows(),
              p.beforePerByte(),
              a.bytes() / (double) BenchConfig.MiB,
              a.rows(),
              p.afterPerByte(),
              same ? "" : "; THE CONTENT READ CHANGED"));
    }
    return new PackRun(seconds, measuredBefore, tablesBefore);
  }

  private static void addRows(
      BenchConfig cfg,
      Results results,
      Map<String, List<Sample>> samples,
      Map<String, List<Packed>> packed,
      List<PackRun> packs,
      int ops,
      int blocks) {
    int k = 0;
    for (String w : WORKLOADS) {
      for (String f : FORMATS) {
        String which = f.equals("auto") ? "auto vs best format" : f;
        Results.Row size =
            results.row(
                "5" + label(k++),
                "DB bytes per logical byte, " + w + ", " + which,
                "x",
                "smallest of the 3 formats",
                Ratio.BASE_OVER_OURS);
        for (int run = 0; run < cfg.runs(); run++) {
          size.add(
              samples.get(w + "/" + f).get(run).bytesPerByte(),
              best(samples, w, run, Sample::bytesPerByte));
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
        autoRead.add(
            samples.get(w + "/auto").get(run).readMs(), best(samples, w, run, Sample::readMs));
      }
      for (String f : FORMATS) {
        Results.Row after =
            results.row(
                "5" + label(k++),
                "stored bytes per logical byte after pack, " + w + ", " + f,
                "x",
                "the same file's rows before pack, same per-file measure",
                Ratio.BASE_OVER_OURS);
        for (Packed p : packed.get(w + "/" + f)) {
          after.add(p.afterPerByte(), p.beforePerByte());
          if (!p.sameContent()) {
            after.fail("the content read after pack differs from the content before");
          }
        }
      }
      Results.Row autoAfter =
          results.row(
              "5" + label(k++),
              "stored bytes per logical byte after pack, " + w + ", auto vs best format",
              "x",
              "smallest of the 3 formats after pack",
              Ratio.BASE_OVER_OURS);
      for (int run = 0; run < cfg.runs(); run++) {
        double best = Double.MAX_VALUE;
        for (String g : FORMATS) {
          best = Math.min(best, packed.get(w + "/" + g).get(run).afterPerByte());
        }
        autoAfter.add(packed.get(w + "/auto").get(run).afterPerByte(), best);
      }
      if (w.equals("log")) {
        for (String f : FORMATS) {
          String which = f.equals("auto") ? "auto vs best format" : f;
          Results.Row tail =
              results.row(
                  "5" + label(k++),
                  "tail read while growing (the " + APPEND + " bytes just appended), log, " + which,
                  "ms/read",
                  "fastest of the 3 formats",
                  Ratio.BASE_OVER_OURS);
          for (int run = 0; run < cfg.runs(); run++) {
            tail.add(
                samples.get(w + "/" + f).get(run).tailMs(), best(samples, w, run, Sample::tailMs));
          }
        }
      }
    }
    results.note(note(samples, packed, packs, ops, blocks));
  }

  /** The smallest value of the 3 formats in one run of workload {@code w}. */
  private static double best(
      Map<String, List<Sample>> samples, String w, int run, ToDoubleFunction<Sample> value) {
    double best = Double.MAX_VALUE;
    for (String g : FORMATS) {
      best = Math.min(best, value.applyAsDouble(samples.get(w + "/" + g).get(run)));
    }
    return best;
  }

  /** The wendelin-style table, the pack table, and the tail reads: medians (ranges over runs). */
  private static String note(
      Map<String, List<Sample>> samples,
      Map<String, List<Packed>> packed,
      List<PackRun> packs,
      int ops,
      int blocks) {
    StringBuilder main = new StringBuilder();
    StringBuilder pack = new StringBuilder();
    for (String w : WORKLOADS) {
      main.append("\n| ").append(describe(w, ops)).append(" |");
      pack.append("\n| ").append(w).append(" |");
      for (String f : FORMATS) {
        main.append(' ').append(cell(of(samples, w, f, Sample::grownMiB), "%.1f", " MiB"));
        main.append(" |");
      }
      for (String f : FORMATS) {
        main.append(' ').append(cell(of(samples, w, f, Sample::readMs), "%.2f", " ms"));
        main.append(" |");
      }
      for (String f : FORMATS) {
        List<Double> after = new ArrayList<>();
        List<Double> beforeX = new ArrayList<>();
        List<Double> afterX = new ArrayList<>();
        for (Packed p : packed.get(w + "/" + f)) {
          after.add(p.after() / (double) BenchConfig.MiB);
          beforeX.add(p.beforePerByte());
          afterX.add(p.afterPerByte());
        }
        main.append(' ').append(cell(after, "%.1f", " MiB")).append(" |");
        pack.append(' ').append(cell(beforeX, "%.2f", "x")).append(" |");
        pack.append(' ').append(cell(afterX, "%.2f", "x")).append(" |");
      }
    }
    StringBuilder tail = new StringBuilder();
    for (String f : FORMATS) {
      tail.append(tail.length() == 0 ? "" : ", ")
          .append(f)
          .append(' ')
          .append(cell(of(samples, "log", f, Sample::tailMs), "%.2f", " ms"));
    }
    List<Double> packSeconds = new ArrayList<>();
    List<Double> calibration = new ArrayList<>();
    for (PackRun p : packs) {
      packSeconds.add(p.seconds());
      calibration.add(p.measuredBefore() / (double) p.tablesBefore());
    }
    return "figure 5: "
        + ops
        + " operations per workload; random workloads over "
        + blocks
        + " blocks of 2 MiB; laid out like wendelin's bench_zblkfmt table, every cell the median"
        + " and, in brackets, the range over the runs. Size: growth of the block tables over the"
        + " workload (history kept); read: cold read per 2 MiB block over HTTP; after pack: the"
        + " file's stored bytes once its history is packed away (a per-file measure: what its"
        + " remaining rows would fill written alone, rebuilt from their stored column sizes, heap"
        + " tuples, index entries and TOAST pages; the prefill of rand20, full and mix included):"
        + "\n\n"
        + "| workload | whole size | chunked size | auto size | whole read | chunked read |"
        + " auto read | whole after pack | chunked after pack | auto after pack |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        + main
        + "\n\nStored bytes per logical byte of each file, the same per-file measure just before"
        + " and just after pack (pack to the head, in "
        + cell(packSeconds, "%.2f", " s")
        + " for all the files of a run; summed over every row of the block tables before pack,"
        + " the measure is "
        + cell(calibration, "%.2f", "x")
        + " of their pg_total_relation_size, which also counts dead rows and free space):\n\n"
        + "| workload | whole before | whole after | chunked before | chunked after |"
        + " auto before | auto after |\n|---|---:|---:|---:|---:|---:|---:|"
        + pack
        + "\n\nTail read while growing (log: a GET of the "
        + APPEND
        + " bytes just appended after each append, page cache kept), mean per read: "
        + tail;
  }

  private static String describe(String w, int ops) {
    return switch (w) {
      case "append" -> "append (" + ops + " x 1.4% of a block)";
      case "rand20" -> "rand20 (" + ops + " x 20% of a block)";
      case "full" -> "full (" + ops + " block rewrites)";
      case "mix" -> "mix (rand20 or full)";
      case "sparse" -> "sparse (holes filled in " + ops + " random slices)";
      case "log" -> "log (append, tail read)";
      default -> w;
    };
  }

  private static List<Double> of(
      Map<String, List<Sample>> samples, String w, String f, ToDoubleFunction<Sample> value) {
    List<Double> out = new ArrayList<>();
    samples.get(w + "/" + f).forEach(s -> out.add(value.applyAsDouble(s)));
    return out;
  }

  /** {@code median unit (min-max)}, e.g. {@code 4.31 ms (4.10-4.52)}. */
  private static String cell(List<Double> values, String format, String unit) {
    return String.format(
        Locale.ROOT,
        format + "%s (" + format + "-" + format + ")",
        Results.median(values),
        unit,
        Collections.min(values),
        Collections.max(values));
  }

  /** 5a..5z, then 5aa..5az, 5ba..5bz, ... */
  private static String label(int k) {
    if (k < 26) {
      return String.valueOf((char) ('a' + k));
    }
    return String.valueOf((char) ('a' + k / 26 - 1)) + (char) ('a' + k % 26);
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
    if (List.of("rand20", "full", "mix").contains(workload)) {
      api.replace(id, (long) blocks * BLOCK, seed);
      logical = (long) blocks * BLOCK;
    } else {
      logical = 0;
    }
    long before = Raw.dbBytes(raw);
    // the same operations for every format: the random choices depend on the workload and run only
    Random rnd = new Random(seed);
    int part = BLOCK / 5;
    double tailSeconds = 0;
    List<Integer> slices = new ArrayList<>();
    if (workload.equals("sparse")) {
      logical = (long) blocks * BLOCK;
      api.resize(id, logical);
      for (int i = 0; i < ops; i++) {
        slices.add(i);
      }
      Collections.shuffle(slices, rnd);
    }
    for (int i = 0; i < ops; i++) {
      long opSeed = seed * 31 + i + 1;
      switch (workload) {
        case "append" -> {
          api.append(id, logical, APPEND, opSeed);
          logical += APPEND;
        }
        case "log" -> {
          api.append(id, logical, APPEND, opSeed);
          logical += APPEND;
          long from = logical - APPEND;
          tailSeconds +=
              Load.time(
                  () ->
                      ReadFigures.check(
                          api.read(Api.content(id), Api.range(from, APPEND)), APPEND));
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
        case "sparse" -> {
          int slice = slices.get(i);
          long from = sliceStart(logical, ops, slice);
          long to = sliceStart(logical, ops, slice + 1);
          if (to > from) {
            api.writeAt(id, from, to - from, opSeed);
          }
        }
        default -> throw new IllegalArgumentException(workload);
      }
    }
    long after = Raw.dbBytes(raw);

    List<BlockRow> rows = new ArrayList<>(Raw.latestRows(raw, Raw.fileId(id)));
    Collections.shuffle(rows, new Random(seed));
    long unknown = rows.stream().filter(r -> r.format() > 3).count();
    if (unknown > 0 && run > 0) {
      // Raw.Reader reads whole, chunked and overlay versions: the baseline misses any other
      Bench.log(
          "figure 5: "
              + workload
              + ", "
              + format
              + ": the raw JDBC baseline reads nothing of "
              + unknown
              + " of "
              + rows.size()
              + " blocks, stored in a format it does not know");
    }
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
        id,
        logical,
        (after - before) / (double) logical,
        (after - before) / (double) BenchConfig.MiB,
        tRead * 1000 / rows.size(),
        tRaw * 1000 / rows.size(),
        workload.equals("log") ? tailSeconds * 1000 / ops : Double.NaN);
  }

  /** Where slice {@code i} of {@code n} of a file of {@code size} bytes starts: 4 KiB-aligned. */
  private static long sliceStart(long size, int n, int i) {
    return Math.round((double) size * i / n / PAGE) * PAGE;
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
