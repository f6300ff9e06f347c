package io.bigfile.bench;

import io.bigfile.bench.Results.Ratio;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Figure 9, what forwarding adds to a request of a transaction: two replicas (child JVMs, default
 * settings, token mode) on one database; a transaction begun on replica A is read and written in
 * small requests (a 4 KiB range read, a 4 KiB write) by one client through A itself (owned) and
 * through B, which forwards each request to A (forwarded). The two sides alternate request by
 * request, so both see the same machine; the latency is the median of each side's requests.
 */
final class ForwardingFigures {

  private static final long SEED = 0x5eed_0009L;
  private static final int PAGE = 4096;
  private static final long FILE = 16L << 20;
  private static final int WARM_UP = 300;

  private ForwardingFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    int requests = Math.max(500, cfg.scale().warmReads() / 4);
    Results.Row read =
        results.row(
            "9a",
            "4 KiB range read in a transaction, forwarded by another replica to its owner",
            "us",
            "the same read sent to the owner",
            Ratio.BASE_OVER_OURS);
    Results.Row write =
        results.row(
            "9b",
            "4 KiB write in a transaction, forwarded by another replica to its owner",
            "us",
            "the same write sent to the owner",
            Ratio.BASE_OVER_OURS);
    results.note(
        "figure 9: two replicas (child JVMs, default settings, token mode) on one database, one"
            + " client; per run "
            + requests
            + " reads and "
            + requests
            + " writes each way after "
            + WARM_UP
            + " untimed ones, owned and forwarded alternating; median latency per request.");
    db.resetSchema();
    for (int run = 1; run <= cfg.runs(); run++) {
      try (ChildService a = ChildService.start(cfg, db, "replica-a", List.of(), List.of());
          ChildService b = ChildService.start(cfg, db, "replica-b", List.of(), List.of())) {
        Api owner = a.api();
        Api other = b.api();
        String id = owner.createFile("{\"name\":\"forwarding\",\"blockSize\":65536}");
        owner.replace(id, FILE, SEED);
        String txn = owner.begin();
        Random rnd = new Random(SEED + run);
        String path = Api.content(id) + "?txn=" + txn;
        for (int i = 0; i < WARM_UP; i++) {
          long off = (long) rnd.nextInt((int) (FILE / PAGE)) * PAGE;
          (i % 2 == 0 ? owner : other).readBytes(path, Api.range(off, PAGE));
          (i % 2 == 0 ? owner : other).writeAt(id, off, PAGE, SEED + i, txn);
        }
        double[][] reads = new double[2][requests];
        double[][] writes = new double[2][requests];
        for (int i = 0; i < 2 * requests; i++) {
          int side = i % 2; // 0: owned, 1: forwarded
          Api via = side == 0 ? owner : other;
          long off = (long) rnd.nextInt((int) (FILE / PAGE)) * PAGE;
          long t0 = System.nanoTime();
          ReadFigures.check(via.readBytes(path, Api.range(off, PAGE)).length, PAGE);
          long t1 = System.nanoTime();
          via.writeAt(id, off, PAGE, SEED + i, txn);
          long t2 = System.nanoTime();
          reads[side][i / 2] = (t1 - t0) / 1e3;
          writes[side][i / 2] = (t2 - t1) / 1e3;
        }
        owner.commit(txn);
        read.add(median(reads[1]), median(reads[0]));
        write.add(median(writes[1]), median(writes[0]));
        Bench.log(
            String.format(
                "figure 9 run %d/%d: read owned %.0f us, forwarded %.0f us; write owned %.0f us,"
                    + " forwarded %.0f us",
                run,
                cfg.runs(),
                median(reads[0]),
                median(reads[1]),
                median(writes[0]),
                median(writes[1])));
      }
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
