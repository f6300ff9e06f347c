package io.bigfile.bench;

import io.bigfile.BigFileApplication;
import io.bigfile.block.BlockStore;
import io.bigfile.engine.Engine;
import io.bigfile.pagecache.PageCache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service under test, started in this JVM ({@code SpringApplication} on a free port) over the
 * benchmark schema, with default settings except the ones listed by {@link #settings}, and
 * authentication on ({@link Security#TOKEN}) unless started in another mode; its {@link #api()}
 * sends the mode's token.
 */
final class InProcessService implements AutoCloseable {

  private final ConfigurableApplicationContext context;
  private final Api api;

  private InProcessService(ConfigurableApplicationContext context, Security security) {
    this.context = context;
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    this.api = new Api("http://127.0.0.1:" + port, security.token());
  }

  /**
   * The settings the benchmark changes: a page cache that holds the whole sequential file (so that
   * "warm" means cached), and dirty budgets that allow the sequential file in one transaction.
   */
  static Map<String, String> settings(BenchConfig cfg) {
    long seq = cfg.scale().seqBytes();
    Map<String, String> s = new LinkedHashMap<>();
    s.put("bigfile.cache.max-size", mb(seq + 256 * BenchConfig.MiB));
    long txn = seq + 64 * BenchConfig.MiB;
    s.put(
        "bigfile.transactions.max-dirty-per-transaction", mb(Math.max(256 * BenchConfig.MiB, txn)));
    s.put("bigfile.transactions.max-dirty-total", mb(Math.max(1024 * BenchConfig.MiB, 2 * txn)));
    return s;
  }

  static String mb(long bytes) {
    return (bytes / BenchConfig.MiB) + "MB";
  }

  static InProcessService start(BenchConfig cfg, BenchDb db) {
    return start(cfg, db, Security.TOKEN);
  }

  static InProcessService start(BenchConfig cfg, BenchDb db, Security security) {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--spring.main.banner-mode=off");
    args.add("--logging.level.root=WARN");
    args.add("--logging.level.org.springdoc=ERROR");
    // the meters of a closed context must not stay reachable from the global registry
    args.add("--management.metrics.use-global-registry=false");
    args.add("--spring.datasource.url=" + db.url("ApplicationName=bigfile-bench-service"));
    args.add("--spring.datasource.username=" + (db.user() == null ? "" : db.user()));
    args.add("--spring.datasource.password=" + (db.password() == null ? "" : db.password()));
    args.add("--narayana.log-dir=" + cfg.out().resolve("narayana"));
    settings(cfg).forEach((k, v) -> args.add("--" + k + "=" + v));
    args.addAll(security.arguments());
    ConfigurableApplicationContext ctx =
        new SpringApplicationBuilder(BigFileApplication.class).run(args.toArray(String[]::new));
    return new InProcessService(ctx, security);
  }

  Api api() {
    return api;
  }

  PageCache pageCache() {
    return context.getBean(PageCache.class);
  }

  /**
   * The service's storage port, under its caches: what its retention calls to raise the oldest
   * retained revision and to pack.
   */
  BlockStore blockStore() {
    return context.getBean(BlockStore.class);
  }

  /**
   * Cold: every cache of the service emptied (blocks, file records, block index); PostgreSQL's
   * buffers and the OS cache are kept. The heap is then collected, so that the next timed pass (of
   * either side: they share this JVM) does not pay for collecting what the cache held.
   */
  void clearCache() {
    context.getBean(Engine.class).clearCaches();
    System.gc();
  }

  @Override
  public void close() {
    api.close();
    clearCache();
    context.close();
  }
}
