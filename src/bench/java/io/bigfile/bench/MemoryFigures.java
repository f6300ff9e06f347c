package io.bigfile.bench;

import static io.bigfile.bench.BenchConfig.MiB;

import io.bigfile.bench.Results.Ratio;
import io.bigfile.config.MemoryBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServerConnection;

/**
 * Figure 6, on child JVMs (the service alone in its heap):
 *
 * <ul>
 *   <li>6a: peak heap during a commit of {@code heapCommitBytes} dirty bytes (2 MiB blocks, written
 *       by 16 MiB range PUTs in one transaction), in a roomy heap: used heap sampled over JMX every
 *       2 ms from just before the commit call to its answer, minus the used heap after a full GC
 *       before the transaction began. Used heap includes garbage not yet collected, so this is an
 *       upper bound of what the commit holds; the largest heap after any GC during the commit (a
 *       lower bound) is noted;
 *   <li>6b: the same commit in a heap of idle + dirty bytes + 64 MiB ({@code -Xmx}), or the least
 *       heap the service accepts for those dirty bytes and a 16 MiB cache if that is more: pass if
 *       it commits and the service is still healthy, with its commit time against the roomy heap's;
 *   <li>6c, 6d: {@code bigBytes} uploaded by one autocommit PUT and downloaded by one GET with
 *       {@code -Xmx256m} (and a 32 MB page cache, as the tests run it), pass if both complete, the
 *       bytes near the end are right and the service never ran out of memory; their rates against a
 *       raw COPY of the same rows and a raw JDBC read of them.
 * </ul>
 */
final class MemoryFigures {

  private static final long SEED = 0x5eed_0006L;
  private static final long PIECE = 16 * MiB;

  private MemoryFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    heap(cfg, db, results);
    streaming(cfg, db, results);
  }

  private static void heap(BenchConfig cfg, BenchDb db, Results results) {
    long n = cfg.scale().heapCommitBytes();
    Bench.log("figure 6: heap during a commit of " + Bench.size(n));
    Results.Row peakRow =
        results.row(
            "6a",
            "peak heap during a commit of " + Bench.size(n) + " dirty",
            "MiB",
            "the dirty bytes",
            Ratio.BASE_OVER_OURS);
    Results.Row tightRow =
        results.row(
            "6b",
            "commit of " + Bench.size(n) + " dirty in -Xmx = idle + dirty + 64 MiB",
            "s",
            "the same commit in the roomy heap of 6a",
            Ratio.BASE_OVER_OURS);
    long roomy = Math.max(1024, 4 * n / MiB);
    // dirty budgets of exactly the transaction (rounded up to MiB): in the roomy heap (at least 4n)
    // they fit next to the cache the heap gets by default
    String dirty = InProcessService.mb(Math.max(n + MiB - 1, 32 * MiB));
    List<String> args =
        List.of(
            "--bigfile.transactions.max-dirty-per-transaction=" + dirty,
            "--bigfile.transactions.max-dirty-total=" + dirty);
    for (int run = 1; run <= cfg.runs(); run++) {
      db.resetSchema();
      long idle;
      double roomyCommit;
      try (ChildService s =
          ChildService.start(cfg, db, "heap-" + run, List.of("-Xmx" + roomy + "m"), args)) {
        Api api = s.api();
        // warm-up, untimed: a commit of a quarter of the size
        commit(api, api.createFile("{}"), n / 4, SEED);
        String id = api.createFile("{\"name\":\"heap\"}");
        long base = s.usedAfterGc();
        String t = api.begin();
        for (long off = 0; off < n; off += PIECE) {
          api.writeAt(id, off, Math.min(PIECE, n - off), SEED + run, t);
        }
        long held = s.usedAfterGc() - base;
        Sampler sampler = new Sampler(s);
        roomyCommit = Load.time(() -> api.commit(t));
        sampler.stop();
        long published = s.usedAfterGc() - base;
        idle = base;
        peakRow.add((sampler.peakUsed() - base) / (double) MiB, n / (double) MiB);
        Bench.log(
            String.format(
                "figure 6 heap run %d/%d: idle %s, dirty pages held %s, peak used during commit"
                    + " +%s (%s), after commit and GC +%s, commit %.2f s",
                run,
                cfg.runs(),
                Bench.size(base),
                Bench.size(held),
                Bench.size(sampler.peakUsed() - base),
                sampler.afterGcText(base),
                Bench.size(published),
                roomyCommit));
        if (run == 1) {
          results.note(
              String.format(
                  "figure 6a: service heap -Xmx%dm, G1 region size %s bytes (an array of half a"
                      + " region or more is humongous and takes whole regions); idle used heap after"
                      + " GC %s; the transaction's dirty pages held %s (after a full GC, before the"
                      + " commit); during the commit: %s, sampled peak +%s over idle (an upper"
                      + " bound: it includes garbage not yet collected); GC log in %s",
                  roomy,
                  s.vmOption("G1HeapRegionSize"),
                  Bench.size(base),
                  Bench.size(held),
                  sampler.afterGcText(base),
                  Bench.size(sampler.peakUsed() - base),
                  s.gcLog()));
        }
      }
      db.resetSchema();
      // idle + n + 64 MiB, or the least heap the service accepts for n dirty bytes and a 16 MiB
      // cache if that is more (it keeps max(heap/4, 128 MiB) free of cache and dirty pages)
      long tightCache = 16 * MiB;
      long least =
          Math.max(n + tightCache + MemoryBudget.MIN_RESERVE, (n + tightCache) * 4 / 3 + MiB);
      long tight = (Math.max(idle + n + 64 * MiB, least) + MiB - 1) / MiB;
      List<String> tightArgs = new ArrayList<>(args);
      tightArgs.add("--bigfile.cache.max-size=" + InProcessService.mb(tightCache));
      try (ChildService s =
          ChildService.start(cfg, db, "tight-" + run, List.of("-Xmx" + tight + "m"), tightArgs)) {
        Api api = s.api();
        String id = api.createFile("{\"name\":\"tight\"}");
        try {
          double c = commit(api, id, n, SEED + run);
          tightRow.add(c, roomyCommit);
          if (!s.isReady() || s.output().contains("OutOfMemoryError")) {
            tightRow.fail("run " + run + ": OutOfMemoryError or not ready after the commit");
          }
          Bench.log(
              String.format(
                  "figure 6 tight heap run %d/%d: -Xmx%dm, commit %.2f s",
                  run, cfg.runs(), tight, c));
        } catch (RuntimeException e) {
          tightRow.fail("run " + run + " (-Xmx" + tight + "m): " + e.getMessage());
          Bench.log("figure 6 tight heap run " + run + " failed: " + e.getMessage());
        }
      }
    }
  }

  /** Begin, range PUTs of {@code size} bytes, commit; the seconds of the commit call. */
  private static double commit(Api api, String id, long size, long seed) {
    String t = api.begin();
    for (long off = 0; off < size; off += PIECE) {
      api.writeAt(id, off, Math.min(PIECE, size - off), seed, t);
    }
    return Load.time(() -> api.commit(t));
  }

  /** Samples the child's used heap, and the heap after each GC, every 2 ms until stopped. */
  private static final class Sampler {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final AtomicLong gcs = new AtomicLong();
    private final Thread thread;

    Sampler(ChildService s) {
      List<com.sun.management.GarbageCollectorMXBean> collectors = collectors(s);
      long[] lastIds = new long[collectors.size()];
      for (int i = 0; i < lastIds.length; i++) {
        var info = collectors.get(i).getLastGcInfo();
        lastIds[i] = info == null ? -1 : info.getId();
      }
      sample(s);
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  sample(s);
                  for (int i = 0; i < lastIds.length; i++) {
                    var info = collectors.get(i).getLastGcInfo();
                    if (info != null && info.getId() != lastIds[i]) {
                      lastIds[i] = info.getId();
                      gcs.incrementAndGet();
                      long after =
                          info.getMemoryUsageAfterGc().values().stream()
                              .mapToLong(MemoryUsage::getUsed)
                              .sum();
                      peakAfterGc.accumulateAndGet(after, Math::max);
                    }
                  }
                  LockSupport.parkNanos(2_000_000);
                }
              },
              "bench-heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private void sample(ChildService s) {
      peakUsed.accumulateAndGet(s.memory().getHeapMemoryUsage().getUsed(), Math::max);
    }

    private static List<com.sun.management.GarbageCollectorMXBean> collectors(ChildService s) {
      try {
        MBeanServerConnection c = s.connection();
        return ManagementFactory.getPlatformMXBeans(
            c, com.sun.management.GarbageCollectorMXBean.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void stop() {
      running.set(false);
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    long peakUsed() {
      return peakUsed.get();
    }

    /** The GCs seen during the commit and the largest heap after one (a lower bound). */
    String afterGcText(long base) {
      if (gcs.get() == 0) {
        return "no GC ran";
      }
      return gcs.get()
          + " GCs, largest heap after one +"
          + Bench.size(Math.max(0, peakAfterGc.get() - base))
          + " over idle (a lower bound of the peak)";
    }
  }

  private static void streaming(BenchConfig cfg, BenchDb db, Results results) {
    long big = cfg.scale().bigBytes();
    Bench.log("figure 6: " + Bench.size(big) + " up and down with -Xmx256m");
    Results.Row up =
        results.row(
            "6c",
            Bench.size(big) + " upload, 1 autocommit PUT, -Xmx256m",
            "MiB/s",
            "raw COPY BINARY of the same rows",
            Ratio.OURS_OVER_BASE);
    Results.Row down =
        results.row(
            "6d",
            Bench.size(big) + " download, 1 GET, -Xmx256m",
            "MiB/s",
            "raw JDBC read of the same rows, 1 connection",
            Ratio.OURS_OVER_BASE);
    for (int run = 1; run <= cfg.runs(); run++) {
      db.resetSchema();
      long seed = SEED + 100 + run;
      try (ChildService s =
              ChildService.start(
                  cfg,
                  db,
                  "stream-" + run,
                  List.of("-Xmx256m"),
                  List.of("--bigfile.cache.max-size=32MB"));
          Connection raw = db.raw();
          Raw.Reader reader = new Raw.Reader(db.raw())) {
        Api api = s.api();
        // warm-up, untimed
        String w = api.createFile("{}");
        api.replace(w, 64 * MiB, seed);
        api.read(Api.content(w), null);

        String id = api.createFile("{\"name\":\"big\"}");
        db.checkpoint();
        double tUp;
        double tDown;
        long[] got = new long[1];
        try {
          tUp = Load.time(() -> api.replace(id, big, seed));
          tDown = Load.time(() -> got[0] = api.read(Api.content(id), null));
        } catch (RuntimeException e) {
          up.fail("run " + run + ": " + e.getMessage());
          down.fail("run " + run + ": " + e.getMessage());
          Bench.log("figure 6 streaming run " + run + " failed: " + e.getMessage());
          continue;
        }
        String problem = null;
        if (got[0] != big) {
          problem = "downloaded " + got[0] + " of " + big + " bytes";
        } else {
          long from = big - 3 * MiB + 12_345;
          byte[] tail = api.readBytes(Api.content(id), Api.range(from, 2 * MiB));
          if (!java.util.Arrays.equals(tail, Data.bytes(seed, from, (int) (2 * MiB)))) {
            problem = "the bytes near the end differ from the upload";
          }
        }
        if (!s.isReady() || s.output().contains("OutOfMemoryError")) {
          problem = "OutOfMemoryError or not ready after the transfers; see " + s.dir();
        }
        int blockSize = (int) Api.number(api.stat(id), "blockSize");
        List<Raw.BlockRow> rows = Raw.latestRows(raw, Raw.fileId(id));
        long[] rawBytes = new long[1];
        double tRaw =
            Load.time(
                () -> {
                  for (Raw.BlockRow r : rows) {
                    rawBytes[0] += reader.readBlock(Raw.fileId(id), r);
                  }
                });
        List<Raw.StoredRow> stored = Raw.storedRows(raw, Raw.fileId(id));
        Raw.createScratch(raw);
        db.checkpoint();
        double tCopy = Load.time(() -> Raw.copy(raw, stored, seed, blockSize));
        Raw.exec(
            raw, "DROP TABLE IF EXISTS bench_block_version", "DROP TABLE IF EXISTS bench_chunk");
        up.add(ReadFigures.mibs(big, tUp), ReadFigures.mibs(Raw.totalBytes(stored), tCopy));
        down.add(ReadFigures.mibs(big, tDown), ReadFigures.mibs(rawBytes[0], tRaw));
        if (problem != null) {
          up.fail("run " + run + ": " + problem);
          down.fail("run " + run + ": " + problem);
        }
        Bench.log(
            String.format(
                "figure 6 streaming run %d/%d: up %.0f MiB/s (COPY %.0f), down %.0f MiB/s (raw"
                    + " %.0f)%s",
                run,
                cfg.runs(),
                ReadFigures.mibs(big, tUp),
                ReadFigures.mibs(Raw.totalBytes(stored), tCopy),
                ReadFigures.mibs(big, tDown),
                ReadFigures.mibs(rawBytes[0], tRaw),
                problem == null ? ", pass" : ", FAIL: " + problem));
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    results.note(
        "figure 6c, 6d: child JVM with -Xmx256m and --bigfile.cache.max-size=32MB (the default 256MB"
            + " cache cannot fit a 256 MiB heap); FAIL in the ours column means a run did not"
            + " complete, returned wrong bytes, or the service ran out of memory");
  }
}
