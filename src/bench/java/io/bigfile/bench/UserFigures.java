package io.bigfile.bench;

import static io.bigfile.bench.BenchConfig.MiB;

import io.bigfile.bench.Raw.BlockRow;
import io.bigfile.bench.Results.Ratio;
import io.bigfile.config.CacheProperties;
import io.bigfile.config.MemoryBudget;
import io.bigfile.config.TransactionsProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;

/**
 * Figure 10, the service as users run it: the packaged jar ({@link JarService}) in its own JVM with
 * no option but {@code -Xmx} ({@code -Xmx2g} at full scale, {@code -Xmx256m} at small), default
 * settings, {@code token} mode with the token it generates, over the benchmark database; and the
 * same again with the image's JVM options (the Dockerfile's {@code JDK_JAVA_OPTIONS}, which include
 * {@link ChildService#IMAGE_GC_OPTION}). Its page cache is then the default for that heap ({@link
 * MemoryBudget}: a quarter of it), and every file is sized from that cache {@code C}:
 *
 * <ul>
 *   <li>10a: a file of {@code C} written by one autocommit PUT, against a raw {@code COPY} of the
 *       rows it stored (as figure 2a);
 *   <li>10b: sequential read of a file of {@code 2C} by one GET, cold (this start of the service
 *       has not read it), against a raw JDBC read of its block rows (as figure 1a);
 *   <li>10c, 10d: sequential read of a file of {@code C/2}, which fits the cache, warm, against
 *       nginx serving the same bytes from a file and the JDK server serving them from memory;
 *   <li>10e, 10f: random 4 KiB reads by 8 clients of another file of {@code 2C}, one page in each
 *       of its blocks in random order, cold, and the same reads again right after, when a second
 *       small read of a block loads it whole and the blocks read (the whole file) are twice what
 *       the cache holds; against raw point selects of the same pages on 8 connections (as figure
 *       3b);
 *   <li>10g, 10h: random 4 KiB reads by 8 clients of the file that fits, warm, against nginx and
 *       the JDK server serving the same ranges;
 *   <li>10i, 10j: commit latency of 1 and 16 dirty 4 KiB pages, against a raw UPDATE and COMMIT (as
 *       figure 4).
 * </ul>
 *
 * 10k to 10t are the same rows with the image's options. The files are written once, by a start of
 * their own; then each timed run starts the jar afresh (so that nothing of the cold files is
 * cached), warms it up for {@code userWarmUpSeconds} on the file that fits (sequential and random
 * reads, one page commits), reads one page in each block of another file to run the cold small-read
 * path, and then measures every row once, in the order b, e, f, c, d, g, h, i, j, a.
 */
final class UserFigures {

  private static final long SEED_SEQ = 0x5eed_0010L;
  private static final long SEED_RAND = 0x5eed_0011L;
  private static final long SEED_WARM = 0x5eed_0012L;
  private static final long SEED_PRIME = 0x5eed_0013L;
  private static final long SEED_PAGES = 0x5eed_0014L;
  private static final long SEED_WRITE = 0x5eed_0015L;
  private static final int PAGE = 4096;
  private static final int CLIENTS = 8;
  private static final int WARM_REPEATS = 3;
  private static final int[] COMMIT_SIZES = {1, 16};
  private static final int WARM_UP_COMMITS_PER_ROUND = 10;
  private static final int WARM_UP_MIN_ROUNDS = 3;
  private static final Pattern DOCKER_OPTIONS =
      Pattern.compile("(JDK_JAVA_OPTIONS|JAVA_TOOL_OPTIONS)=\"([^\"]*)\"");

  /**
   * How the jar's JVM is started.
   *
   * @param name the directory name under {@code target/bench}
   * @param label what the rows say about it
   * @param options options on the command line
   * @param environment environment variables, as the image sets them
   * @param first the letter of its first row
   */
  private record Flags(
      String name,
      String label,
      List<String> options,
      Map<String, String> environment,
      char first) {}

  /** A file written at set-up, and the rows its newest version is stored in. */
  private record Stored(String id, long size, int blockSize, List<BlockRow> rows) {
    long fileId() {
      return Raw.fileId(id);
    }
  }

  /** Pages to read: offsets in a file and the block row each is in. */
  private record Pages(long[] offsets, BlockRow[] rows) {}

  /** One variant's rows; the nginx ones are null when nginx is not installed. */
  private record Rows(
      Results.Row write,
      Results.Row coldSeq,
      Results.Row warmSeqNginx,
      Results.Row warmSeqMemory,
      Results.Row coldRandom,
      Results.Row againRandom,
      Results.Row warmRandomNginx,
      Results.Row warmRandomMemory,
      Results.Row commit1,
      Results.Row commit16) {
    List<Results.Row> all() {
      List<Results.Row> l = new ArrayList<>();
      for (Results.Row r :
          new Results.Row[] {
            write,
            coldSeq,
            warmSeqNginx,
            warmSeqMemory,
            coldRandom,
            againRandom,
            warmRandomNginx,
            warmRandomMemory,
            commit1,
            commit16
          }) {
        if (r != null) {
          l.add(r);
        }
      }
      return l;
    }
  }

  private final BenchConfig cfg;
  private final BenchDb db;
  private final Results results;
  private final long cache;
  private final long writeBytes;
  private Stored seq;
  private Stored rand;
  private Stored warm;
  private Stored prime;
  private Stored pages;
  private Api nginx;
  private Api memory;

  private UserFigures(BenchConfig cfg, BenchDb db, Results results, long cache) {
    this.cfg = cfg;
    this.db = db;
    this.results = results;
    this.cache = cache;
    this.writeBytes = cache;
  }

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    Path jar = cfg.jar();
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "figure 10 runs the packaged jar, and there is none ("
              + jar
              + "): run it through ./mvnw -Pbench verify, whose package phase builds it, or give"
              + " -Dbench.jar");
    }
    int heapMiB = cfg.scale().userHeapMiB();
    MemoryBudget budget = defaultBudget(heapMiB * MiB);
    Bench.log(
        "figure 10: the packaged jar "
            + jar.getFileName()
            + " with -Xmx"
            + heapMiB
            + "m; its default "
            + budget);
    db.resetSchema();
    for (String dir : List.of("jar-setup", "jar-default", "jar-image")) {
      deleteTree(cfg.out().resolve(dir));
    }
    UserFigures f = new UserFigures(cfg, db, results, budget.cache());
    f.setUp(jar, budget);
    byte[] bytes = Data.bytes(SEED_WARM, 0, Math.toIntExact(f.warm.size()));
    boolean withNginx = Nginx.available();
    try (MemoryServer mem = new MemoryServer(bytes);
        Nginx server = withNginx ? Nginx.start(cfg.out().resolve("nginx"), bytes) : null) {
      f.memory = new Api(mem.base());
      if (server != null) {
        f.nginx = new Api(server.base());
        long bad = f.nginx.compare("/data", bytes);
        if (bad >= 0) {
          throw new IllegalStateException("nginx serves other bytes, from byte " + bad);
        }
        results.note(
            "figure 10: nginx is "
                + Nginx.version()
                + " ("
                + Nginx.BINARY
                + "), started by the harness with a generated configuration in "
                + cfg.out().resolve("nginx")
                + ": sendfile, keep-alive, access_log off, one worker per core, serving the"
                + " same bytes as the JDK server from a file (in the OS page cache)");
      } else {
        results.note(
            "figure 10: rows 10c, 10g, 10m and 10q (nginx) skipped: "
                + Nginx.BINARY
                + " is not installed (apt-get install nginx)");
      }
      for (Flags flags : flags(heapMiB)) {
        f.variant(jar, flags);
      }
    } finally {
      if (f.nginx != null) {
        f.nginx.close();
      }
      if (f.memory != null) {
        f.memory.close();
      }
    }
  }

  /**
   * The sizes the service derives for a heap of {@code heap} bytes with every setting at its
   * default: the properties records bound from no configuration at all, then {@link MemoryBudget}.
   */
  static MemoryBudget defaultBudget(long heap) {
    Binder none = new Binder(List.<ConfigurationPropertySource>of());
    CacheProperties cache = none.bindOrCreate("bigfile.cache", CacheProperties.class);
    TransactionsProperties tx =
        none.bindOrCreate("bigfile.transactions", TransactionsProperties.class);
    return MemoryBudget.of(heap, cache, tx);
  }

  /**
   * The two ways to start the jar: the JVM's defaults but {@code -Xmx}, and the image's options
   * (the Dockerfile's {@code JDK_JAVA_OPTIONS} and {@code JAVA_TOOL_OPTIONS}, set as environment
   * variables as the image sets them, with {@link ChildService#IMAGE_GC_OPTION} added should they
   * lack it) with the same {@code -Xmx}, which takes precedence over the image's {@code
   * -XX:MaxRAMPercentage}.
   */
  private static List<Flags> flags(int heapMiB) {
    String xmx = heapMiB % 1024 == 0 ? "-Xmx" + heapMiB / 1024 + "g" : "-Xmx" + heapMiB + "m";
    Map<String, String> env = new LinkedHashMap<>();
    try {
      Matcher m = DOCKER_OPTIONS.matcher(Files.readString(Path.of("Dockerfile")));
      while (m.find()) {
        env.put(m.group(1), m.group(2));
      }
    } catch (IOException e) {
      Bench.log("figure 10: no Dockerfile to read the image's options from (" + e + ")");
    }
    List<String> imageOptions = new ArrayList<>(List.of(xmx));
    if (env.values().stream().noneMatch(v -> v.contains(ChildService.IMAGE_GC_OPTION))) {
      imageOptions.add(ChildService.IMAGE_GC_OPTION);
    }
    return List.of(
        new Flags("default", xmx + ", default JVM flags", List.of(xmx), Map.of(), 'a'),
        new Flags("image", xmx + ", the image's JVM flags", imageOptions, env, 'k'));
  }

  // ---------------------------------------------------------------- set-up

  /** Writes every file once, from a start of its own, and says what was written. */
  private void setUp(Path jar, MemoryBudget budget) {
    String xmx = "-Xmx" + cfg.scale().userHeapMiB() + "m";
    JarService s =
        new JarService(
            jar,
            cfg.out().resolve("jar-setup"),
            List.of(xmx),
            Map.of(),
            JarService.database(db, "bigfile-bench-jar-setup"));
    s.start();
    try (Connection raw = db.raw()) {
      long said = s.cacheBytes();
      Bench.log("figure 10: the service says: " + s.memoryLine());
      Api api = s.api();
      seq = write(api, raw, "cold-sequential", null, 2 * cache, SEED_SEQ);
      rand = write(api, raw, "cold-random", null, 2 * cache, SEED_RAND);
      warm = write(api, raw, "warm", null, cache / 2, SEED_WARM);
      prime = write(api, raw, "warm-up", null, cache, SEED_PRIME);
      pages = write(api, raw, "pages", 4096, (long) cfg.scale().commitPages() * PAGE, SEED_PAGES);
      long bad = api.compare(Api.content(warm.id()), Data.bytes(SEED_WARM, 0, (int) warm.size()));
      if (bad >= 0) {
        throw new IllegalStateException("the service's file differs from the data at byte " + bad);
      }
      results.note(
          String.format(
              "figure 10: the packaged jar (%s) as a child JVM: java [options] -jar, working"
                  + " directory %s/jar-<flags>, arguments --server.port and"
                  + " --spring.datasource.* only (every bigfile setting at its default), token mode"
                  + " with the token the service generated in data/token there; JVM %s (the"
                  + " image runs its own JRE, see the Dockerfile). Heap -Xmx%dm: the default"
                  + " budget computed from the code is %s; the service said \"%s\"%s. Files: %s"
                  + " (2x the cache) read sequentially cold (10b), another %s read at random"
                  + " cold and again (10e, 10f), %s (half the cache) read warm (10c, 10d, 10g,"
                  + " 10h), %s written by one PUT per run (10a); block size %s (default), format"
                  + " auto (default). At full scale -Xmx2g; small scale shrinks only the heap,"
                  + " and so the cache and every file.",
              jar.getFileName(),
              cfg.out(),
              System.getProperty("java.runtime.version"),
              cfg.scale().userHeapMiB(),
              budget,
              s.memoryLine(),
              said == cache
                  ? ""
                  : said < 0
                      ? " (no page cache size found in its log)"
                      : " (NOT the computed cache size; the files are sized on the computed one)",
              Bench.size(seq.size()),
              Bench.size(rand.size()),
              Bench.size(warm.size()),
              Bench.size(writeBytes),
              Bench.size(seq.blockSize())));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    } finally {
      s.stop();
    }
  }

  private Stored write(
      Api api, Connection raw, String name, Integer blockSize, long size, long seed) {
    String json =
        "{\"name\":\""
            + name
            + "\""
            + (blockSize == null ? "" : ",\"blockSize\":" + blockSize)
            + "}";
    String id = api.createFile(json);
    api.replace(id, size, seed);
    int bs = (int) Api.number(api.stat(id), "blockSize");
    return new Stored(id, size, bs, Raw.latestRows(raw, Raw.fileId(id)));
  }

  // ---------------------------------------------------------------- one variant

  private void variant(Path jar, Flags flags) {
    Rows rows = rows(flags);
    JarService s =
        new JarService(
            jar,
            cfg.out().resolve("jar-" + flags.name()),
            flags.options(),
            flags.environment(),
            JarService.database(db, "bigfile-bench-jar-" + flags.name()));
    results.note(
        "figure "
            + id(flags, 0)
            + "-"
            + id(flags, 9)
            + ": "
            + (flags.environment().isEmpty()
                ? ""
                : "environment "
                    + flags.environment().entrySet().stream()
                        .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                        .reduce((a, b) -> a + " " + b)
                        .orElse("")
                    + ", ")
            + "command line java "
            + String.join(" ", flags.options())
            + " -jar "
            + jar.getFileName());
    for (int run = 1; run <= cfg.runs(); run++) {
      try {
        s.start();
        measure(s, flags, rows, run);
        String problem = null;
        if (s.output().contains("java.lang.OutOfMemoryError")) {
          problem = "the service ran out of memory; see " + s.dir();
        } else if (s.readiness() != 200) {
          problem = "the service was not ready after the run; see " + s.dir();
        }
        if (problem != null) {
          for (Results.Row r : rows.all()) {
            r.fail("run " + run + ": " + problem);
          }
          Bench.log("figure 10 " + flags.name() + " run " + run + ": FAIL: " + problem);
        }
      } catch (RuntimeException e) {
        for (Results.Row r : rows.all()) {
          r.fail("run " + run + ": " + e.getMessage());
        }
        Bench.log("figure 10 " + flags.name() + " run " + run + " failed: " + e);
        e.printStackTrace(System.err); // the rows say FAIL; the trace says why
      } finally {
        s.stop();
      }
    }
  }

  private static String id(Flags flags, int k) {
    return "10" + (char) (flags.first() + k);
  }

  private Rows rows(Flags flags) {
    String l = flags.label() + ": ";
    String c = CLIENTS + " clients";
    boolean ng = nginx != null;
    return new Rows(
        results.row(
            id(flags, 0),
            l + "write " + Bench.size(writeBytes) + ", 1 autocommit PUT",
            "MiB/s",
            "raw COPY BINARY of the same rows, 1 transaction",
            Ratio.OURS_OVER_BASE),
        results.row(
            id(flags, 1),
            l + "sequential read " + Bench.size(2 * cache) + " (2x the cache), cold, 1 GET",
            "MiB/s",
            "raw JDBC, 1 connection, same block rows",
            Ratio.OURS_OVER_BASE),
        ng
            ? results.row(
                id(flags, 2),
                l + "sequential read " + Bench.size(cache / 2) + " (fits the cache), warm, 1 GET",
                "MiB/s",
                "nginx, same bytes from a file",
                Ratio.OURS_OVER_BASE)
            : null,
        results.row(
            id(flags, 3),
            l + "sequential read " + Bench.size(cache / 2) + " (fits the cache), warm, 1 GET",
            "MiB/s",
            "JDK HttpServer, same bytes from memory",
            Ratio.OURS_OVER_BASE),
        results.row(
            id(flags, 4),
            l + "random 4 KiB reads of " + Bench.size(2 * cache) + ", cold, " + c,
            "req/s",
            "raw point selects, " + CLIENTS + " connections",
            Ratio.OURS_OVER_BASE),
        results.row(
            id(flags, 5),
            l + "the same reads again right after (working set 2x the cache), " + c,
            "req/s",
            "raw point selects, " + CLIENTS + " connections",
            Ratio.OURS_OVER_BASE),
        ng
            ? results.row(
                id(flags, 6),
                l + "random 4 KiB reads of " + Bench.size(cache / 2) + ", warm, " + c,
                "req/s",
                "nginx, same ranges, " + c,
                Ratio.OURS_OVER_BASE)
            : null,
        results.row(
            id(flags, 7),
            l + "random 4 KiB reads of " + Bench.size(cache / 2) + ", warm, " + c,
            "req/s",
            "JDK HttpServer from memory, " + c,
            Ratio.OURS_OVER_BASE),
        results.row(
            id(flags, 8),
            l + "commit latency, 1 dirty 4 KiB page",
            "ms",
            "raw UPDATE of 1 row + COMMIT, 1 connection",
            Ratio.BASE_OVER_OURS),
        results.row(
            id(flags, 9),
            l + "commit latency, 16 dirty 4 KiB pages",
            "ms",
            "raw UPDATE of 16 rows + COMMIT, 1 connection",
            Ratio.BASE_OVER_OURS));
  }

  // ---------------------------------------------------------------- one run

  private void measure(JarService s, Flags flags, Rows rows, int run) {
    Api api = s.api();
    Random rnd = new Random(SEED_WRITE + 31L * run + flags.first());
    long[] seed = {SEED_WRITE + 1000L * run + flags.first()};
    int pageCount = cfg.scale().commitPages();
    try (Connection raw = db.raw();
        Raw.Reader reader = new Raw.Reader(db.raw())) {
      Raw.fillPages(raw, pageCount, SEED_PAGES);

      // warm-up, untimed: the file that fits, read at random and whole, and one-page commits,
      // until the time is up and at least a few rounds have run; then one page in each block of a
      // file this start has not read, to
      // run the cold small-read path (which caches nothing); and every baseline once
      long[] warmPages = randomPages(rnd, warm.size(), cfg.scale().warmReads());
      Consumer<Api> openOurs = client -> client.stat(warm.id());
      Consumer<Api> openPeer = client -> client.readBytes("/data", Api.range(0, 1));
      long until =
          System.nanoTime() + Duration.ofSeconds(cfg.scale().userWarmUpSeconds()).toNanos();
      int rounds = 0;
      do {
        httpLoad(api, Api.content(warm.id()), openOurs, warmPages);
        ReadFigures.check(api.read(Api.content(warm.id()), null), warm.size());
        for (int i = 0; i < WARM_UP_COMMITS_PER_ROUND; i++) {
          CommitFigures.ours(api, pages.id(), pageCount, 1, rnd, ++seed[0]);
          CommitFigures.raw(raw, pageCount, 1, rnd, ++seed[0]);
        }
        rounds++;
      } while (System.nanoTime() < until || rounds < WARM_UP_MIN_ROUNDS);
      Pages primePages = distinctPages(prime, rnd);
      httpLoad(api, Api.content(prime.id()), openOurs, primePages.offsets());
      rawRead(reader, warm);
      rawLoad(CLIENTS, primePages.offsets().length, primePages, prime);
      for (Api peer : peers()) {
        ReadFigures.check(peer.read("/data", null), warm.size());
        httpLoad(peer, "/data", openPeer, warmPages);
      }
      if (run == 1) {
        results.note(
            String.format(
                "figure 10%s-10%s: each run starts the jar afresh (%s) and warms it up for at"
                    + " least %d s and %d rounds (run 1: %d rounds, each of %d random 4 KiB reads and one whole read of the file"
                    + " that fits, and %d one-page commits), then reads one page in each of the %d"
                    + " blocks of a file it has not read (the cold small-read path), before"
                    + " timing",
                id(flags, 0).substring(2),
                id(flags, 9).substring(2),
                s.startedLine(),
                cfg.scale().userWarmUpSeconds(),
                WARM_UP_MIN_ROUNDS,
                rounds,
                warmPages.length,
                WARM_UP_COMMITS_PER_ROUND,
                primePages.offsets().length));
      }

      // 10b: the file of twice the cache, sequentially, cold
      double tCold =
          Load.time(() -> ReadFigures.check(api.read(Api.content(seq.id()), null), seq.size()));
      long[] rawBytes = new long[1];
      double tRawSeq = Load.time(() -> rawBytes[0] = rawRead(reader, seq));
      rows.coldSeq()
          .add(ReadFigures.mibs(seq.size(), tCold), ReadFigures.mibs(rawBytes[0], tRawSeq));

      // 10e, 10f: one page in each block of the other file of twice the cache, cold, then again
      Pages cold = distinctPages(rand, rnd);
      int n = cold.offsets().length;
      rawLoad(1, n, cold, rand); // PostgreSQL's buffers alike for both sides
      Consumer<Api> openRand = client -> client.stat(rand.id());
      String m0 = s.prometheus();
      double tE = httpLoad(api, Api.content(rand.id()), openRand, cold.offsets());
      String m1 = s.prometheus();
      double tF = httpLoad(api, Api.content(rand.id()), openRand, cold.offsets());
      String m2 = s.prometheus();
      int rawCount = Math.max(n, cfg.scale().pointSelects());
      double tRaw = rawLoad(CLIENTS, rawCount, cold, rand);
      rows.coldRandom().add(n / tE, rawCount / tRaw);
      rows.againRandom().add(n / tF, rawCount / tRaw);

      // 10c, 10d: the file that fits, sequentially, warm; each side's median of a few reads
      ReadFigures.check(api.read(Api.content(warm.id()), null), warm.size());
      double missesBefore = misses(s.prometheus());
      List<Double> ours = new ArrayList<>();
      List<Double> viaNginx = new ArrayList<>();
      List<Double> fromMemory = new ArrayList<>();
      for (int k = 0; k < WARM_REPEATS; k++) {
        ours.add(seqRate(api, Api.content(warm.id())));
        if (nginx != null) {
          viaNginx.add(seqRate(nginx, "/data"));
        }
        fromMemory.add(seqRate(memory, "/data"));
      }
      double warmMisses = misses(s.prometheus()) - missesBefore;
      if (rows.warmSeqNginx() != null) {
        rows.warmSeqNginx().add(Results.median(ours), Results.median(viaNginx));
      }
      rows.warmSeqMemory().add(Results.median(ours), Results.median(fromMemory));

      // 10g, 10h: the file that fits, at random, warm
      long[] randomWarm = randomPages(rnd, warm.size(), cfg.scale().warmReads());
      double tOurs = httpLoad(api, Api.content(warm.id()), openOurs, randomWarm);
      double tNginx = nginx == null ? Double.NaN : httpLoad(nginx, "/data", openPeer, randomWarm);
      double tMem = httpLoad(memory, "/data", openPeer, randomWarm);
      int w = randomWarm.length;
      if (rows.warmRandomNginx() != null) {
        rows.warmRandomNginx().add(w / tOurs, w / tNginx);
      }
      rows.warmRandomMemory().add(w / tOurs, w / tMem);

      // 10i, 10j: commit latency, as figure 4
      double[] commitMs = new double[4];
      for (int k = 0; k < COMMIT_SIZES.length; k++) {
        int size = COMMIT_SIZES[k];
        for (int i = 0; i < 3; i++) {
          CommitFigures.ours(api, pages.id(), pageCount, size, rnd, ++seed[0]);
          CommitFigures.raw(raw, pageCount, size, rnd, ++seed[0]);
        }
        List<Double> o = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < cfg.scale().commitSamples(); i++) {
          o.add(CommitFigures.ours(api, pages.id(), pageCount, size, rnd, ++seed[0]));
          b.add(CommitFigures.raw(raw, pageCount, size, rnd, ++seed[0]));
        }
        (k == 0 ? rows.commit1() : rows.commit16()).add(Results.median(o), Results.median(b));
        commitMs[2 * k] = Results.median(o);
        commitMs[2 * k + 1] = Results.median(b);
      }

      // 10a: a file of the cache's size by one PUT, after an untimed smaller one, against COPY
      long small = Math.max(16 * MiB, writeBytes / 8);
      String wid = api.createFile("{\"name\":\"write-warm-up-" + run + "\"}");
      api.replace(wid, small, seed[0]);
      Raw.createScratch(raw);
      Raw.copy(raw, Raw.storedRows(raw, Raw.fileId(wid)), seed[0], seq.blockSize());
      String a = api.createFile("{\"name\":\"write-" + run + "\"}");
      long ws = ++seed[0];
      db.checkpoint();
      double tPut = Load.time(() -> api.replace(a, writeBytes, ws));
      List<Raw.StoredRow> stored = Raw.storedRows(raw, Raw.fileId(a));
      Raw.createScratch(raw);
      db.checkpoint();
      double tCopy = Load.time(() -> Raw.copy(raw, stored, ws, seq.blockSize()));
      Raw.exec(raw, "DROP TABLE IF EXISTS bench_block_version", "DROP TABLE IF EXISTS bench_chunk");
      double put = ReadFigures.mibs(writeBytes, tPut);
      double copy = ReadFigures.mibs(Raw.totalBytes(stored), tCopy);
      rows.write().add(put, copy);

      String end = s.prometheus();
      Bench.log(
          String.format(
              "figure 10 %s run %d/%d: write %.0f MiB/s (COPY %.0f); cold sequential %.0f MiB/s"
                  + " (raw %.0f); warm sequential %.0f MiB/s (nginx %s, memory %.0f); random"
                  + " cold %.0f req/s, again %.0f req/s (raw %.0f); warm random %.0f req/s (nginx"
                  + " %s, memory %.0f); commit 1 page %.2f ms (raw %.2f), 16 pages %.2f ms (raw"
                  + " %.2f)",
              flags.name(),
              run,
              cfg.runs(),
              put,
              copy,
              ReadFigures.mibs(seq.size(), tCold),
              ReadFigures.mibs(rawBytes[0], tRawSeq),
              Results.median(ours),
              nginx == null ? "-" : String.format("%.0f", Results.median(viaNginx)),
              Results.median(fromMemory),
              n / tE,
              n / tF,
              rawCount / tRaw,
              w / tOurs,
              nginx == null ? "-" : String.format("%.0f", w / tNginx),
              w / tMem,
              commitMs[0],
              commitMs[1],
              commitMs[2],
              commitMs[3]));
      String cacheText =
          String.format(
              "figure 10 %s run %d: page-cache lookups that missed: %.0f during the cold random"
                  + " reads (a first small read of a block reads its page alone, past the cache),"
                  + " %.0f during the same reads again (each loads its block whole: two lookups),"
                  + " the cache holding %s after them; %.0f during the warm sequential reads (0:"
                  + " the file that fits was cached whole); %.0f GC pauses, %.2f s in all, since"
                  + " the start",
              flags.name(),
              run,
              misses(m1) - misses(m0),
              misses(m2) - misses(m1),
              Bench.size((long) JarService.metric(m2, "bigfile_cache_bytes", "")),
              warmMisses,
              JarService.metric(end, "jvm_gc_pause_seconds_count", ""),
              JarService.metric(end, "jvm_gc_pause_seconds_sum", ""));
      if (run == 1) {
        results.note(cacheText);
      } else {
        Bench.log(cacheText);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<Api> peers() {
    return nginx == null ? List.of(memory) : List.of(nginx, memory);
  }

  private static double misses(String prometheus) {
    return JarService.metric(prometheus, "bigfile_cache_requests_total", "result=\"miss\"");
  }

  /** MiB/s of one GET of the whole of {@code path}. */
  private static double seqRate(Api server, String path) {
    long[] n = new long[1];
    double t = Load.time(() -> n[0] = server.read(path, null));
    return ReadFigures.mibs(n[0], t);
  }

  /** One page in each block of the file, the blocks in random order. */
  private static Pages distinctPages(Stored f, Random rnd) {
    List<BlockRow> shuffled = new ArrayList<>(f.rows());
    Collections.shuffle(shuffled, rnd);
    int perBlock = f.blockSize() / PAGE;
    long[] offsets = new long[shuffled.size()];
    BlockRow[] at = new BlockRow[shuffled.size()];
    for (int i = 0; i < at.length; i++) {
      at[i] = shuffled.get(i);
      long start = at[i].blk() * f.blockSize();
      int here = (int) Math.max(1, Math.min(perBlock, (f.size() - start) / PAGE));
      offsets[i] = start + (long) rnd.nextInt(here) * PAGE;
    }
    return new Pages(offsets, at);
  }

  /** {@code count} random 4 KiB-aligned pages of a file of {@code size} bytes. */
  private static long[] randomPages(Random rnd, long size, int count) {
    long[] out = new long[count];
    for (int i = 0; i < count; i++) {
      out[i] = (long) rnd.nextInt((int) (size / PAGE)) * PAGE;
    }
    return out;
  }

  /**
   * Seconds for GETs of the 4 KiB pages at {@code offsets} of {@code path} by {@link #CLIENTS}
   * clients, each of which {@code open} connects first, untimed.
   */
  private static double httpLoad(Api server, String path, Consumer<Api> open, long[] offsets) {
    return Load.run(
        CLIENTS,
        offsets.length,
        c -> {
          Api client = server.newClient();
          open.accept(client);
          return new Load.Client() {
            @Override
            public void op(int i) {
              ReadFigures.check(client.readBytes(path, Api.range(offsets[i], PAGE)).length, PAGE);
            }

            @Override
            public void close() {
              client.close();
            }
          };
        });
  }

  /** Seconds for {@code count} raw point selects cycling over {@code pages} of {@code f}. */
  private double rawLoad(int clients, int count, Pages pages, Stored f) {
    long[] offsets = pages.offsets();
    return Load.run(
        clients,
        count,
        c -> {
          Raw.Reader reader = new Raw.Reader(db.raw());
          return new Load.Client() {
            @Override
            public void op(int i) {
              int k = i % offsets.length;
              int got =
                  reader.readPage(f.fileId(), pages.rows()[k], (int) (offsets[k] % f.blockSize()));
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

  /** Reads every block row of {@code f} in order; the bytes received. */
  private static long rawRead(Raw.Reader reader, Stored f) {
    long n = 0;
    for (BlockRow r : f.rows()) {
      n += reader.readBlock(f.fileId(), r);
    }
    return n;
  }

  /** Deletes a directory of the harness's own output, if it is there. */
  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear " + dir, e);
    }
  }
}
