package io.bigfile.bench;

import io.bigfile.bench.Results.Ratio;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 8, the commit rate of one database: small commits by 1, 8 and 32 concurrent clients
 * against one service, each client on a file of its own (block size 4096, {@value #PAGES} pages of
 * data written before timing), so that no two commits conflict and only the commit path is shared.
 *
 * <ul>
 *   <li>8a-8c, autocommit: each operation is one {@code PUT} of 1 KiB with {@code Content-Range} at
 *       a page of the client's file, durable when it answers;
 *   <li>8d-8f, transactions: each operation begins a transaction, writes 1 KiB the same way inside
 *       it, and commits.
 * </ul>
 *
 * Each commit stores one new 4 KiB block version. The raw baseline is what PostgreSQL does with as
 * many clients when nothing serialises them: each client on its own connection inserts one 4 KiB
 * row of the same bytes into a scratch table laid out like the service's ({@code LIKE
 * block_version}) and commits (autocommit mode, one statement per transaction). A run's value is
 * commits per second over {@code commitRateOps} operations shared by the clients; the latency of
 * each operation (from sending the first request to the last answer) is recorded, and the notes
 * give its percentiles, medians over the runs.
 */
final class CommitRateFigures {

  private static final long SEED = 0x5eed_0008L;
  private static final int PAGE = 4096;
  private static final int PAGES = 64;
  private static final int WRITE = 1024;
  private static final int[] CLIENTS = {1, 8, 32};
  private static final Duration WARM_UP = Duration.ofSeconds(5);
  private static final int WARM_UP_OPS = 800;
  private static final Duration WARM_UP_MAX = Duration.ofSeconds(90);
  private static final double[] PERCENTILES = {50, 90, 99};

  private CommitRateFigures() {}

  /** Autocommit PUTs or transactions of one PUT. */
  private enum Mode {
    AUTOCOMMIT("autocommit 1 KiB PUT"),
    TRANSACTION("transaction: begin, 1 KiB PUT, commit");

    final String text;

    Mode(String text) {
      this.text = text;
    }
  }

  /** One run of one side: commits per second and the latency of every operation. */
  private record Sample(double rate, double[] latenciesMs) {

    double percentile(double p) {
      double[] s = latenciesMs.clone();
      Arrays.sort(s);
      int i = (int) Math.ceil(p / 100 * s.length) - 1;
      return s[Math.max(0, Math.min(s.length - 1, i))];
    }
  }

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    int ops = cfg.scale().commitRateOps();
    int maxClients = Arrays.stream(CLIENTS).max().orElseThrow();
    Bench.log("figure 8: commit rate of one database");
    db.resetSchema();
    try (InProcessService service = InProcessService.start(cfg, db);
        Connection setup = db.raw()) {
      Api api = service.api();
      String[] files = new String[maxClients];
      for (int c = 0; c < maxClients; c++) {
        files[c] = api.createFile("{\"name\":\"commits-" + c + "\",\"blockSize\":" + PAGE + "}");
        api.replace(files[c], (long) PAGES * PAGE, SEED + c);
      }
      Raw.createScratch(setup);
      results.note(
          "figure 8: "
              + ops
              + " operations per run shared by the clients, each client on a file of its own ("
              + PAGES
              + " pages of 4 KiB) and, for the baseline, a connection of its own; 32 clients are"
              + " more than the service's bigfile.database.write-connections (16, the default),"
              + " so up to 16 of them wait for a connection. Every commit also takes the lock of the"
              + " global head row (UPDATE head SET rev = rev + 1), so commits of the whole"
              + " database serialise there however many replicas or connections there are; the"
              + " baseline has no such row");
      AtomicLong seed = new AtomicLong(SEED);
      AtomicLong rawRev = new AtomicLong();
      // warm-up, untimed, until the JIT has compiled both paths: at least WARM_UP and WARM_UP_OPS
      // operations of each kind on each side (a busy machine makes fewer in the time), at most
      // WARM_UP_MAX
      long started = System.nanoTime();
      int warm = 0;
      while (System.nanoTime() - started < WARM_UP_MAX.toNanos()
          && (warm < WARM_UP_OPS || System.nanoTime() - started < WARM_UP.toNanos())) {
        for (Mode m : Mode.values()) {
          ours(api, m, files, 8, 80, seed);
        }
        raw(db, 8, 80, seed, rawRev);
        warm += 80;
      }
      results.note(
          String.format(
              Locale.ROOT,
              "figure 8: warm-up of %d operations of each kind on each side (8 clients, %.0f s)"
                  + " before timing",
              warm,
              (System.nanoTime() - started) / 1e9));
      int k = 0;
      for (Mode m : Mode.values()) {
        for (int clients : CLIENTS) {
          String who = clients + " client" + (clients == 1 ? "" : "s");
          String id = "8" + (char) ('a' + k++);
          Results.Row row =
              results.row(
                  id,
                  "commit rate, " + m.text + ", " + who,
                  "commits/s",
                  "raw INSERT of one 4 KiB row + COMMIT, " + who + " on their own connections",
                  Ratio.OURS_OVER_BASE);
          List<Sample> o = new ArrayList<>();
          List<Sample> b = new ArrayList<>();
          for (int run = 1; run <= cfg.runs(); run++) {
            // alternate which side goes first, so neither always runs on a warmer machine
            Sample so;
            Sample sb;
            if (run % 2 == 1) {
              so = ours(api, m, files, clients, ops, seed);
              sb = raw(db, clients, ops, seed, rawRev);
            } else {
              sb = raw(db, clients, ops, seed, rawRev);
              so = ours(api, m, files, clients, ops, seed);
            }
            o.add(so);
            b.add(sb);
            row.add(so.rate(), sb.rate());
            Bench.log(
                String.format(
                    Locale.ROOT,
                    "figure %s, run %d/%d: %.0f commits/s (p50 %.2f ms, p99 %.2f ms), raw %.0f"
                        + " commits/s (p50 %.2f ms, p99 %.2f ms)",
                    id,
                    run,
                    cfg.runs(),
                    so.rate(),
                    so.percentile(50),
                    so.percentile(99),
                    sb.rate(),
                    sb.percentile(50),
                    sb.percentile(99)));
          }
          results.note(
              "figure "
                  + id
                  + " ("
                  + m.text
                  + ", "
                  + who
                  + ") latency: "
                  + percentiles(o)
                  + "; baseline "
                  + percentiles(b));
        }
      }
      Raw.exec(
          setup, "DROP TABLE IF EXISTS bench_block_version", "DROP TABLE IF EXISTS bench_chunk");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** p50, p90 and p99 in ms, each the median over the runs. */
  private static String percentiles(List<Sample> samples) {
    List<String> out = new ArrayList<>();
    for (double p : PERCENTILES) {
      List<Double> v = new ArrayList<>();
      for (Sample s : samples) {
        v.add(s.percentile(p));
      }
      out.add("p" + (int) p + " " + Results.num(Results.median(v)) + " ms");
    }
    return String.join(", ", out);
  }

  /** {@code ops} operations of {@code mode} by {@code clients} clients, client c on file c. */
  private static Sample ours(
      Api api, Mode mode, String[] files, int clients, int ops, AtomicLong seed) {
    double[] latencies = new double[ops];
    double seconds =
        Load.run(
            clients,
            ops,
            c -> {
              Api client = api.newClient();
              String file = files[c];
              return new Load.Client() {
                @Override
                public void op(int i) {
                  long offset = (long) (i % PAGES) * PAGE;
                  long s = seed.incrementAndGet();
                  long t0 = System.nanoTime();
                  if (mode == Mode.AUTOCOMMIT) {
                    client.writeAt(file, offset, WRITE, s);
                  } else {
                    String t = client.begin();
                    client.writeAt(file, offset, WRITE, s, t);
                    client.commit(t);
                  }
                  latencies[i] = (System.nanoTime() - t0) / 1e6;
                }

                @Override
                public void close() {
                  client.close();
                }
              };
            });
    return new Sample(ops / seconds, latencies);
  }

  /**
   * {@code ops} one-row commits by {@code clients} connections: client c inserts 4 KiB rows of file
   * c at fresh revisions, as many commits as the service makes, of the bytes of a whole page.
   */
  private static Sample raw(BenchDb db, int clients, int ops, AtomicLong seed, AtomicLong rev) {
    double[] latencies = new double[ops];
    double seconds =
        Load.run(
            clients,
            ops,
            c -> {
              Connection conn = db.raw();
              PreparedStatement ps;
              try {
                ps =
                    conn.prepareStatement(
                        "INSERT INTO bench_block_version (file_id, blk, rev, format, base_rev,"
                            + " data) VALUES (?, ?, ?, 1, NULL, ?)");
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
              return new Load.Client() {
                @Override
                public void op(int i) {
                  long r = rev.incrementAndGet();
                  byte[] data = Data.bytes(seed.incrementAndGet(), (long) (i % PAGES) * PAGE, PAGE);
                  long t0 = System.nanoTime();
                  try {
                    ps.setLong(1, c);
                    ps.setLong(2, i % PAGES);
                    ps.setLong(3, r);
                    ps.setBytes(4, data);
                    ps.executeUpdate();
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                  latencies[i] = (System.nanoTime() - t0) / 1e6;
                }

                @Override
                public void close() {
                  try {
                    ps.close();
                    conn.close();
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                }
              };
            });
    return new Sample(ops / seconds, latencies);
  }
}
