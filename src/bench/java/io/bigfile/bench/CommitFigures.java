package io.bigfile.bench;

import io.bigfile.bench.Results.Ratio;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Figure 4: commit latency of transactions of 1, 16 and 256 dirty 4 KiB pages. The file has block
 * size 4096 and {@code commitPages} pages of data; each sample begins a transaction, PUTs 4 KiB of
 * new data at that many distinct random pages inside it, and times only the commit call. The raw
 * baseline updates as many rows of 4 KiB ({@code UPDATE bench_block_version SET data = ? WHERE
 * file_id = ? AND blk = ? AND rev = ?}, one batch) of a scratch table of the same layout holding as
 * many pages, then commits, on one connection; it times the updates and the commit. Each run's
 * value is the median of {@code commitSamples} samples.
 */
final class CommitFigures {

  private static final long SEED = 0x5eed_0004L;
  private static final int PAGE = 4096;
  private static final int[] SIZES = {1, 16, 256};

  private static final java.time.Duration WARM_UP = java.time.Duration.ofSeconds(5);

  private CommitFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    int pages = cfg.scale().commitPages();
    int samples = cfg.scale().commitSamples();
    Bench.log("figure 4: commit latency");
    db.resetSchema();
    try (InProcessService service = InProcessService.start(cfg, db);
        Connection raw = db.raw()) {
      Api api = service.api();
      String id = api.createFile("{\"name\":\"pages\",\"blockSize\":4096}");
      api.replace(id, (long) pages * PAGE, SEED);
      Raw.fillPages(raw, pages, SEED);
      results.note(
          "figure 4: "
              + pages
              + " pages of 4 KiB on both sides; each run's value is the median of "
              + samples
              + " commits");
      Random rnd = new Random(SEED);
      long[] seed = {SEED};
      // warm-up, untimed: long enough for the JIT to compile both commit paths, as in a service
      // that has been running for a while (a few commits would time the interpreter)
      long warmUntil = System.nanoTime() + WARM_UP.toNanos();
      int warmCommits = 0;
      while (System.nanoTime() < warmUntil) {
        ours(api, id, pages, 1, rnd, ++seed[0]);
        raw(raw, pages, 1, rnd, ++seed[0]);
        warmCommits++;
      }
      results.note(
          "figure 4: warm-up of "
              + warmCommits
              + " one-page commits on each side ("
              + WARM_UP.toSeconds()
              + " s) before timing");
      for (int n : SIZES) {
        Results.Row row =
            results.row(
                "4" + (char) ('a' + indexOf(n)),
                "commit latency, " + n + " dirty 4 KiB page" + (n == 1 ? "" : "s"),
                "ms",
                "raw UPDATE of " + n + " row" + (n == 1 ? "" : "s") + " + COMMIT, 1 connection",
                Ratio.BASE_OVER_OURS);
        // warm-up, untimed
        for (int i = 0; i < 3; i++) {
          ours(api, id, pages, n, rnd, ++seed[0]);
          raw(raw, pages, n, rnd, ++seed[0]);
        }
        for (int run = 1; run <= cfg.runs(); run++) {
          List<Double> o = new ArrayList<>();
          List<Double> b = new ArrayList<>();
          for (int s = 0; s < samples; s++) {
            o.add(ours(api, id, pages, n, rnd, ++seed[0]));
            b.add(raw(raw, pages, n, rnd, ++seed[0]));
          }
          row.add(Results.median(o), Results.median(b));
          Bench.log(
              String.format(
                  "figure 4, %d pages, run %d/%d: commit %.2f ms, raw %.2f ms (medians)",
                  n, run, cfg.runs(), Results.median(o), Results.median(b)));
        }
      }
      Raw.exec(raw, "DROP TABLE IF EXISTS bench_block_version", "DROP TABLE IF EXISTS bench_chunk");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int indexOf(int n) {
    for (int i = 0; i < SIZES.length; i++) {
      if (SIZES[i] == n) {
        return i;
      }
    }
    throw new IllegalArgumentException();
  }

  private static int[] distinctPages(Random rnd, int pages, int n) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < pages; i++) {
      all.add(i);
    }
    java.util.Collections.shuffle(all, rnd);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = all.get(i);
    }
    return out;
  }

  /** One transaction of {@code n} dirty pages; milliseconds of its commit call. */
  static double ours(Api api, String id, int pages, int n, Random rnd, long seed) {
    String t = api.begin();
    for (int p : distinctPages(rnd, pages, n)) {
      api.writeAt(id, (long) p * PAGE, PAGE, seed, t);
    }
    return Load.time(() -> api.commit(t)) * 1000;
  }

  /** {@code n} rows updated and committed; milliseconds of the updates and the commit. */
  static double raw(Connection c, int pages, int n, Random rnd, long seed) {
    int[] which = distinctPages(rnd, pages, n);
    byte[][] data = new byte[n][];
    for (int i = 0; i < n; i++) {
      data[i] = Data.bytes(seed, (long) which[i] * PAGE, PAGE);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE bench_block_version SET data = ? WHERE file_id = ? AND blk = ? AND rev = ?")) {
      c.setAutoCommit(false);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        ps.setBytes(1, data[i]);
        ps.setLong(2, 1);
        ps.setLong(3, which[i]);
        ps.setLong(4, 1);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      c.commit();
      double ms = (System.nanoTime() - t0) / 1e6;
      c.setAutoCommit(true);
      for (int k : counts) {
        if (k != 1 && k != PreparedStatement.SUCCESS_NO_INFO) {
          throw new IllegalStateException("an update changed " + k + " rows");
        }
      }
      return ms;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
