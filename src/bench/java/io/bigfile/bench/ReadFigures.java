package io.bigfile.bench;

import static io.bigfile.bench.BenchConfig.MiB;

import io.bigfile.bench.Raw.BlockRow;
import io.bigfile.bench.Results.Ratio;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Figures 1 and 3, on one file of {@code seqBytes} written by one autocommit PUT (default block
 * size and format, as a client creates it):
 *
 * <ul>
 *   <li>1: sequential read of the whole file by one GET, cold (the service's page cache cleared
 *       first) against a raw JDBC read of the same block rows on one connection, and warm (the
 *       whole file in the page cache) against a plain JDK HttpServer serving the same bytes from a
 *       byte array;
 *   <li>3: random 4 KiB range reads (4 KiB-aligned) at 1 and 8 concurrent clients: cold (cache
 *       cleared, each request in a different block, so every request loads from the database)
 *       against raw point selects of the same pages on 1 and 8 connections, and warm (whole file
 *       cached) against the JDK HttpServer serving the same ranges from memory.
 * </ul>
 */
final class ReadFigures {

  private static final long SEED = 0x5eed_0001L;
  private static final int PAGE = 4096;
  private static final java.time.Duration COLD_WARM_UP = java.time.Duration.ofSeconds(3);

  private final BenchConfig cfg;
  private final BenchDb db;
  private final Results results;
  private final InProcessService service;
  private final Api api;
  private final long size;
  private final String id;
  private final long fileId;
  private final int blockSize;
  private final List<BlockRow> rows;

  private ReadFigures(
      BenchConfig cfg, BenchDb db, Results results, InProcessService service, String id) {
    this.cfg = cfg;
    this.db = db;
    this.results = results;
    this.service = service;
    this.api = service.api();
    this.size = cfg.scale().seqBytes();
    this.id = id;
    this.fileId = Raw.fileId(id);
    this.blockSize = (int) Api.number(api.stat(id), "blockSize");
    try (var c = db.raw()) {
      this.rows = Raw.latestRows(c, fileId);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    Bench.log("figures 1 and 3: writing the " + Bench.size(cfg.scale().seqBytes()) + " file");
    db.resetSchema();
    try (InProcessService service = InProcessService.start(cfg, db)) {
      String id = service.api().createFile("{\"name\":\"sequential\"}");
      service.api().replace(id, cfg.scale().seqBytes(), SEED);
      ReadFigures f = new ReadFigures(cfg, db, results, service, id);
      f.describe();
      byte[] bytes = Data.bytes(SEED, 0, Math.toIntExact(f.size));
      try (MemoryServer memory = new MemoryServer(bytes);
          Api client = new Api(memory.base())) {
        f.verify(bytes);
        if (cfg.runs(1)) {
          f.sequential(client);
        }
        if (cfg.runs(3)) {
          f.random(client);
        }
      }
    }
  }

  private void describe() {
    Map<Integer, Integer> formats = new TreeMap<>();
    rows.forEach(r -> formats.merge(r.format(), 1, Integer::sum));
    results.note(
        "figures 1, 3: file of "
            + Bench.size(size)
            + " written by one autocommit PUT, block size "
            + Bench.size(blockSize)
            + " (default), format auto (default); stored block versions by format (1 whole, 2"
            + " chunked): "
            + formats);
  }

  /**
   * The service must serve exactly the bytes written (the memory server serves that very array).
   */
  private void verify(byte[] bytes) {
    service.clearCache();
    long bad = api.compare(Api.content(id), bytes);
    if (bad >= 0) {
      throw new IllegalStateException("the service's file differs from the data at byte " + bad);
    }
  }

  private void sequential(Api memory) {
    Results.Row cold =
        results.row(
            "1a",
            "sequential read " + Bench.size(size) + ", cold, 1 GET",
            "MiB/s",
            "raw JDBC, 1 connection, same block rows",
            Ratio.OURS_OVER_BASE);
    Results.Row warm =
        results.row(
            "1b",
            "sequential read " + Bench.size(size) + ", warm, 1 GET",
            "MiB/s",
            "JDK HttpServer, same bytes from memory",
            Ratio.OURS_OVER_BASE);
    try (Raw.Reader raw = new Raw.Reader(db.raw())) {
      // warm-up: every path once, untimed
      service.clearCache();
      api.read(Api.content(id), null);
      api.read(Api.content(id), null);
      rawRead(raw);
      memory.read("/data", null);
      for (int run = 1; run <= cfg.runs(); run++) {
        service.clearCache();
        double tCold = Load.time(() -> check(api.read(Api.content(id), null), size));
        long[] rawBytes = new long[1];
        double tRaw = Load.time(() -> rawBytes[0] = rawRead(raw));
        long cached = service.pageCache().weightedSize();
        double tWarm = Load.time(() -> check(api.read(Api.content(id), null), size));
        double tMem = Load.time(() -> check(memory.read("/data", null), size));
        cold.add(mibs(size, tCold), mibs(rawBytes[0], tRaw));
        warm.add(mibs(size, tWarm), mibs(size, tMem));
        Bench.log(
            String.format(
                "figure 1 run %d/%d: cold %.0f, raw JDBC %.0f, warm %.0f, memory %.0f MiB/s"
                    + " (page cache before the warm read: %s)",
                run,
                cfg.runs(),
                mibs(size, tCold),
                mibs(rawBytes[0], tRaw),
                mibs(size, tWarm),
                mibs(size, tMem),
                Bench.size(cached)));
        if (run == 1) {
          results.note(
              "figure 1: the raw read fetches "
                  + rows.size()
                  + " block rows ("
                  + Bench.size(rawBytes[0])
                  + "); the page cache held "
                  + Bench.size(cached)
                  + " before the warm read");
        }
      }
    }
  }

  private long rawRead(Raw.Reader raw) {
    long n = 0;
    for (BlockRow r : rows) {
      n += raw.readBlock(fileId, r);
    }
    return n;
  }

  private void random(Api memory) {
    int pagesPerBlock = blockSize / PAGE;
    Random rnd = new Random(SEED);
    // cold: distinct blocks in random order, one random page in each
    List<BlockRow> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, rnd);
    int coldCount = Math.min(cfg.scale().coldReads(), shuffled.size());
    long[] cold = new long[coldCount];
    BlockRow[] coldRows = new BlockRow[coldCount];
    for (int i = 0; i < coldCount; i++) {
      coldRows[i] = shuffled.get(i);
      int pagesHere = (int) Math.min(pagesPerBlock, (size - coldRows[i].blk() * blockSize) / PAGE);
      cold[i] = coldRows[i].blk() * blockSize + (long) rnd.nextInt(pagesHere) * PAGE;
    }
    // the raw baseline repeats that list until it has done enough selects to time
    int rawCount = Math.max(coldCount, cfg.scale().pointSelects());
    // warm: any page of the file
    int warmCount = cfg.scale().warmReads();
    long[] warm = new long[warmCount];
    for (int i = 0; i < warmCount; i++) {
      warm[i] = (long) rnd.nextInt((int) (size / PAGE)) * PAGE;
    }
    results.note(
        "figure 3: cold runs read "
            + coldCount
            + " pages, each in a different block, after clearing the page cache; raw point selects"
            + " repeat those pages to "
            + rawCount
            + " selects; warm runs read "
            + warmCount
            + " random pages with the whole file cached; cold passes repeat untimed for "
            + COLD_WARM_UP.toSeconds()
            + " s before the timed runs; before each timed cold run an untimed"
            + " point select of each of its pages puts them in PostgreSQL's buffers, for both"
            + " sides alike");

    int[] clientCounts = {1, 8};
    for (int k = 0; k < clientCounts.length; k++) {
      int clients = clientCounts[k];
      String who = clients + " client" + (clients == 1 ? "" : "s");
      Results.Row coldRow =
          results.row(
              "3" + (char) ('a' + k),
              "random 4 KiB reads, cold, " + who,
              "req/s",
              "raw point selects, " + clients + " connection" + (clients == 1 ? "" : "s"),
              Ratio.OURS_OVER_BASE);
      Results.Row warmRow =
          results.row(
              "3" + (char) ('c' + k),
              "random 4 KiB reads, warm, " + who,
              "req/s",
              "JDK HttpServer from memory, " + who,
              Ratio.OURS_OVER_BASE);
      // warm-up, untimed: one round of each, and cold passes for a few seconds, so that the cold
      // path is timed compiled (a run is only a few hundred requests)
      long warmUntil = System.nanoTime() + COLD_WARM_UP.toNanos();
      do {
        service.clearCache();
        httpLoad(api, clients, cold);
      } while (System.nanoTime() < warmUntil);
      rawLoad(clients, rawCount, cold, coldRows);
      api.read(Api.content(id), null);
      httpLoad(api, clients, warm);
      httpLoad(memory, clients, warm);
      for (int run = 1; run <= cfg.runs(); run++) {
        service.clearCache();
        // PostgreSQL's buffers in the same state for both sides: the whole-file read of the
        // previous run evicted these pages, and whichever side ran first would load them for the
        // other
        rawLoad(1, coldCount, cold, coldRows);
        double tCold = httpLoad(api, clients, cold);
        double tRaw = rawLoad(clients, rawCount, cold, coldRows);
        api.read(Api.content(id), null); // the whole file into the cache
        double tWarm = httpLoad(api, clients, warm);
        double tMem = httpLoad(memory, clients, warm);
        coldRow.add(coldCount / tCold, rawCount / tRaw);
        warmRow.add(warmCount / tWarm, warmCount / tMem);
        Bench.log(
            String.format(
                "figure 3, %d client(s), run %d/%d: cold %.0f, raw %.0f, warm %.0f, memory %.0f"
                    + " req/s",
                clients,
                run,
                cfg.runs(),
                coldCount / tCold,
                rawCount / tRaw,
                warmCount / tWarm,
                warmCount / tMem));
      }
    }
  }

  /** Seconds for GETs of the 4 KiB pages at {@code offsets} from {@code clients} clients. */
  private double httpLoad(Api server, int clients, long[] offsets) {
    String path = server == api ? Api.content(id) : "/data";
    return Load.run(
        clients,
        offsets.length,
        c -> {
          Api client = server.newClient();
          // opens the connection without touching any block
          if (server == api) {
            client.stat(id);
          } else {
            client.readBytes(path, Api.range(0, 1));
          }
          return new Load.Client() {
            @Override
            public void op(int i) {
              check(client.readBytes(path, Api.range(offsets[i], PAGE)).length, PAGE);
            }

            @Override
            public void close() {
              client.close();
            }
          };
        });
  }

  /** Seconds for {@code count} point selects cycling over the pages at {@code offsets}. */
  private double rawLoad(int clients, int count, long[] offsets, BlockRow[] at) {
    return Load.run(
        clients,
        count,
        c -> {
          Raw.Reader reader = new Raw.Reader(db.raw());
          return new Load.Client() {
            @Override
            public void op(int i) {
              long off = offsets[i % offsets.length];
              int got = reader.readPage(fileId, at[i % offsets.length], (int) (off % blockSize));
              // a stored row has its trailing zero bytes trimmed, so its last page may be shorter
              if (got <= 0 || got > PAGE) {
                throw new IllegalStateException("point select returned " + got + " bytes");
              }
            }

            @Override
            public void close() {
              reader.close();
            }
          };
        });
  }

  static void check(long got, long expected) {
    if (got != expected) {
      throw new IllegalStateException("expected " + expected + " bytes, got " + got);
    }
  }

  static double mibs(long bytes, double seconds) {
    return bytes / (double) MiB / seconds;
  }
}
