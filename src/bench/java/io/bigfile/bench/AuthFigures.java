package io.bigfile.bench;

import static io.bigfile.bench.BenchConfig.MiB;

import io.bigfile.bench.Results.Ratio;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Figure 7, what a request's authentication costs: the warm random 4 KiB reads of figures 3c and 3d
 * (4 KiB-aligned, the whole file in the page cache, so that nothing but the request path is timed),
 * from 1 and 8 clients, against the service in {@code token} mode, where every request carries
 * {@code Authorization: Bearer} and is authenticated, and against the same service in {@code none}
 * mode, where the same security filter chain lets every request through. Both read one file in one
 * database; each run starts the service once in each mode, one after the other, and alternates
 * which goes first, so that neither side always runs on a warmer machine. The difference between
 * the two is the cost of reading the header, looking the token up and building the authentication,
 * not of Spring Security's filter chain as a whole, which both sides pass.
 */
final class AuthFigures {

  private static final long SEED = 0x5eed_0007L;
  private static final int PAGE = 4096;
  private static final Duration WARM_UP = Duration.ofSeconds(2);
  private static final int[] CLIENTS = {1, 8};

  private AuthFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    // the cost is per request, not per byte: a small file that any scale caches whole
    long size = Math.min(cfg.scale().seqBytes(), 64 * MiB);
    Bench.log("figure 7: writing the " + Bench.size(size) + " file");
    db.resetSchema();
    String id;
    try (InProcessService service = InProcessService.start(cfg, db, Security.TOKEN)) {
      id = service.api().createFile("{\"name\":\"authentication\"}");
      service.api().replace(id, size, SEED);
    }
    Random rnd = new Random(SEED);
    long[] offsets = new long[cfg.scale().warmReads()];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = (long) rnd.nextInt((int) (size / PAGE)) * PAGE;
    }
    List<Results.Row> rows = new ArrayList<>();
    for (int k = 0; k < CLIENTS.length; k++) {
      String who = CLIENTS[k] + " client" + (CLIENTS[k] == 1 ? "" : "s");
      rows.add(
          results.row(
              "7" + (char) ('a' + k),
              "random 4 KiB reads, warm, " + who + ", every request authenticated (token)",
              "req/s",
              "the same reads with security.mode=none, " + who,
              Ratio.OURS_OVER_BASE));
    }
    results.note(
        "figure 7: "
            + offsets.length
            + " random 4 KiB reads of a "
            + Bench.size(size)
            + " file, whole in the page cache, per timed pass; the service is started once per"
            + " mode and run, token and none alternating which goes first; each pass follows "
            + WARM_UP.toSeconds()
            + " s of the same reads, untimed. Ours: bigfile.security.mode=token, every request"
            + " with Authorization: Bearer; baseline: mode=none, the same requests without it.");
    List<List<Double>> added = new ArrayList<>();
    for (int k = 0; k < CLIENTS.length; k++) {
      added.add(new ArrayList<>());
    }
    for (int run = 1; run <= cfg.runs(); run++) {
      List<Security> order = new ArrayList<>(List.of(Security.TOKEN, Security.NONE));
      if (run % 2 == 0) {
        Collections.reverse(order);
      }
      Map<Security, double[]> rates = new EnumMap<>(Security.class);
      for (Security mode : order) {
        try (InProcessService service = InProcessService.start(cfg, db, mode)) {
          rates.put(mode, measure(service.api(), id, offsets));
        }
      }
      double[] token = rates.get(Security.TOKEN);
      double[] none = rates.get(Security.NONE);
      for (int k = 0; k < CLIENTS.length; k++) {
        rows.get(k).add(token[k], none[k]);
        added.get(k).add(1e6 / token[k] - 1e6 / none[k]);
      }
      Bench.log(
          String.format(
              "figure 7 run %d/%d (%s first): 1 client token %.0f, none %.0f req/s; 8 clients"
                  + " token %.0f, none %.0f req/s",
              run, cfg.runs(), order.get(0).mode, token[0], none[0], token[1], none[1]));
    }
    results.note(
        String.format(
            "figure 7: authentication adds %s us to a request's latency with 1 client, and %s us"
                + " of the whole machine's time per request with 8 (1/token - 1/none, medians of"
                + " the runs; negative: within the noise)",
            Results.num(Results.median(added.get(0))), Results.num(Results.median(added.get(1)))));
  }

  /** Requests per second of the reads at {@code offsets}, from 1 client and from 8. */
  private static double[] measure(Api api, String id, long[] offsets) {
    api.read(Api.content(id), null); // the whole file into the page cache
    double[] rates = new double[CLIENTS.length];
    for (int k = 0; k < CLIENTS.length; k++) {
      long until = System.nanoTime() + WARM_UP.toNanos();
      do {
        load(api, id, CLIENTS[k], offsets);
      } while (System.nanoTime() < until);
      rates[k] = offsets.length / load(api, id, CLIENTS[k], offsets);
    }
    return rates;
  }

  /** Seconds for GETs of the 4 KiB pages at {@code offsets} from {@code clients} clients. */
  private static double load(Api api, String id, int clients, long[] offsets) {
    String path = Api.content(id);
    return Load.run(
        clients,
        offsets.length,
        c -> {
          Api client = api.newClient();
          client.stat(id); // opens the connection, authenticated as every request
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
}
