package io.bigfile.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The service as a child JVM ({@code io.bigfile.BigFileApplication} on this JVM's class path),
 * pointed at this test JVM's database ({@link TestDatabase#get()}) unless given another, on a free
 * port, with its own Narayana log directory (kept across restarts, like one node's disk). Its
 * output and GC log go to files under {@code target/service-processes/<application name>/} (or the
 * directory it is given) for diagnosis, one per start. It can be killed (SIGKILL), stopped
 * gracefully (SIGTERM) and started again on the same database. Its database connections carry the
 * {@link #applicationName() application name}, so tests can watch them in {@code pg_stat_activity}.
 * The tests and the benchmark's child services (src/bench) start it the same way.
 *
 * <p>Access control is off ({@code --bigfile.security.mode=none}) unless the arguments choose a
 * mode ({@code --bigfile.security.mode=token}) or {@link #withDefaultSecurity()} leaves the
 * service's default; a generated token is kept in {@link #tokenFile()}, under its directory, unless
 * the arguments name another {@code --bigfile.security.token-file}.
 *
 * <p>A child never outlives the test JVM: {@link #close()} kills it, and a shutdown hook kills any
 * left over.
 */
public final class ServiceProcess extends ServiceClient implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration GRACEFUL_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-children"));
  }

  private final String applicationName;
  private final List<String> jvmOptions;
  private final List<String> arguments;
  private Path dir;
  private final List<Path> logs = new ArrayList<>();
  private final List<Path> gcLogs = new ArrayList<>();
  private Process process;
  private int port;

  /**
   * @param name a short name for logs and the database application name
   * @param jvmOptions options of the child JVM, e.g. {@code -Xmx256m}
   * @param arguments extra Spring arguments, e.g. {@code --bigfile.cache.max-size=32MB}
   */
  public ServiceProcess(String name, List<String> jvmOptions, List<String> arguments) {
    this(name, jvmOptions, arguments, false);
  }

  /**
   * A service with no {@code spring.datasource.*} at all, as a new user runs it: it starts its
   * embedded PostgreSQL in {@code <process dir>/embedded}, kept across restarts of this object.
   */
  public static ServiceProcess onEmbeddedDatabase(String name, List<String> arguments) {
    return new ServiceProcess(name, List.of(), arguments, true);
  }

  private final boolean embedded;

  /** The database to use instead of the test JVM's, or null. */
  private TestDatabase.Coordinates database;

  /** The JDBC URL of the database to use instead of its own, or null. */
  private String databaseUrl;

  /** Whether to run with the service's own bigfile.security.mode, not none. */
  private boolean defaultSecurity;

  private ServiceProcess(
      String name, List<String> jvmOptions, List<String> arguments, boolean embedded) {
    this.embedded = embedded;
    this.applicationName =
        "bigfile-" + name + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    this.jvmOptions = List.copyOf(jvmOptions);
    this.arguments = List.copyOf(arguments);
    this.dir = Path.of("target", "service-processes", applicationName).toAbsolutePath();
  }

  /**
   * Reaches the test database ({@link TestDatabase#get()}: same database, user and password) at
   * this JDBC URL instead of the database's own, e.g. through a proxy the test can cut. Applies
   * from the next {@link #start()}.
   */
  public synchronized ServiceProcess withDatabaseUrl(String url) {
    if (embedded) {
      throw new IllegalStateException("a service on an embedded database has no database URL");
    }
    this.databaseUrl = url;
    return this;
  }

  /**
   * Uses this database instead of the test JVM's ({@link TestDatabase#get()}, which is then never
   * asked for), e.g. the benchmark's. Applies from the next {@link #start()}.
   */
  public synchronized ServiceProcess withDatabase(TestDatabase.Coordinates db) {
    if (embedded) {
      throw new IllegalStateException("a service on an embedded database has no database URL");
    }
    this.database = db;
    return this;
  }

  /**
   * Keeps the output, GC logs and Narayana log in {@code dir} instead of {@code
   * target/service-processes/<application name>}. Applies from the next {@link #start()}.
   */
  public synchronized ServiceProcess withDirectory(Path dir) {
    this.dir = dir.toAbsolutePath();
    return this;
  }

  /**
   * Runs the service with its own default access control (token mode) instead of none, as a user
   * runs it, unless the arguments choose a mode. Applies from the next {@link #start()}.
   */
  public synchronized ServiceProcess withDefaultSecurity() {
    this.defaultSecurity = true;
    return this;
  }

  /**
   * Where the service keeps its generated token in token mode: {@code data/token} under its
   * directory, as {@code ./data/token} for a user who runs it.
   */
  public synchronized Path tokenFile() {
    return dir.resolve("data").resolve("token");
  }

  /** Where the output, GC logs and Narayana log of the next or current start are kept. */
  public synchronized Path directory() {
    return dir;
  }

  /** The GC log of the current (or last) start. */
  public synchronized Path gcLog() {
    if (gcLogs.isEmpty()) {
      throw new IllegalStateException("not started yet");
    }
    return gcLogs.get(gcLogs.size() - 1);
  }

  /** The port the current (or last) start listens on. */
  public synchronized int port() {
    return port;
  }

  /** The PostgreSQL {@code application_name} of every connection of this service. */
  public String applicationName() {
    return applicationName;
  }

  /**
   * Starts the child (again, after a kill or stop) and waits until its readiness probe answers 200.
   */
  public synchronized ServiceProcess start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("already running: pid " + process.pid());
    }
    // The free port is found by binding and releasing it; another process may take it meanwhile.
    for (int attempt = 1; attempt <= 3; attempt++) {
      if (launch()) {
        return this;
      }
    }
    throw new AssertionError("the service lost its port to another process three times");
  }

  /** Starts the child once; false if it lost its port to another process while starting. */
  private boolean launch() {
    port = freePort();
    int n = logs.size() + 1;
    Path log = dir.resolve("output-" + n + ".log");
    logs.add(log);
    Path gcLog = dir.resolve("gc-" + n + ".log");
    gcLogs.add(gcLog);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xlog:gc:file=" + gcLog);
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.bigfile.BigFileApplication");
    cmd.add("--server.port=" + port);
    if (embedded) {
      cmd.add("--bigfile.embedded.data-dir=" + dir.resolve("embedded"));
    } else {
      TestDatabase.Coordinates db = database != null ? database : TestDatabase.get();
      String base = databaseUrl != null ? databaseUrl : db.url();
      String url = base + (base.contains("?") ? "&" : "?") + "ApplicationName=" + applicationName;
      cmd.add("--spring.datasource.url=" + url);
      cmd.add("--spring.datasource.username=" + (db.username() == null ? "" : db.username()));
      cmd.add("--spring.datasource.password=" + (db.password() == null ? "" : db.password()));
    }
    cmd.add("--narayana.log-dir=" + dir.resolve("narayana"));
    // a generated signed-link key is kept with the rest of this node's files
    cmd.add("--bigfile.security.links.key-file=" + dir.resolve("link-key"));
    if (!defaultSecurity && !hasArgument("--bigfile.security.mode=")) {
      cmd.add("--bigfile.security.mode=none");
    }
    // several processes on this machine reach each other on loopback
    if (!hasArgument("--bigfile.replicas.advertised-address=")) {
      cmd.add("--bigfile.replicas.advertised-address=127.0.0.1");
    }
    // stopping a test's service is no rolling update: what it left open is aborted at once
    if (!hasArgument("--bigfile.replicas.drain-period=")) {
      cmd.add("--bigfile.replicas.drain-period=0s");
    }
    if (!hasArgument("--bigfile.security.token-file=")) {
      cmd.add("--bigfile.security.token-file=" + tokenFile());
    }
    cmd.addAll(arguments);
    try {
      Files.createDirectories(dir);
      Files.writeString(log, String.join(" ", cmd) + "\n\n", StandardCharsets.UTF_8);
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LIVE.add(process);
    Process p = process;
    boolean[] lostPort = new boolean[1];
    awaitCondition(
        "readiness of " + applicationName + " on port " + port,
        READY_TIMEOUT,
        Duration.ofMillis(100),
        () -> {
          if (!p.isAlive()) {
            String tail = outputTail(60);
            if (tail.contains("was already in use")) {
              lostPort[0] = true;
              return true;
            }
            throw new AssertionError(
                "the service exited with " + p.exitValue() + " while starting:\n" + tail);
          }
          return readinessStatus() == 200;
        });
    if (lostPort[0]) {
      LIVE.remove(p);
      return false;
    }
    return true;
  }

  private boolean hasArgument(String prefix) {
    return arguments.stream().anyMatch(a -> a.startsWith(prefix));
  }

  /** SIGKILL: the child dies at once, without any shutdown work. Waits until it is gone. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit();
  }

  /** SIGTERM: graceful shutdown; SIGKILL if it takes too long. Waits until it is gone. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(GRACEFUL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    awaitExit();
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("pid " + process.pid() + " did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    LIVE.remove(process);
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  public synchronized long pid() {
    return process.pid();
  }

  /** The exit code of the last start, once it has exited (143 after a SIGTERM it handled). */
  public synchronized int exitValue() {
    return process.exitValue();
  }

  @Override
  public void close() {
    kill();
  }

  // ---------------------------------------------------------------- output

  /** Everything every start of this service printed so far. */
  public String output() {
    StringBuilder sb = new StringBuilder();
    for (Path log : List.copyOf(logs)) {
      try {
        sb.append(Files.readString(log, StandardCharsets.UTF_8));
      } catch (IOException e) {
        sb.append("(cannot read ").append(log).append(": ").append(e).append(")\n");
      }
    }
    return sb.toString();
  }

  /** The last lines of the current start's output, for failure messages. */
  public String outputTail(int lines) {
    if (logs.isEmpty()) {
      return "";
    }
    Path log = logs.get(logs.size() - 1);
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "--- "
          + log
          + " ---\n"
          + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  // ---------------------------------------------------------------- HTTP

  @Override
  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  /** A request to this service, with a generous default timeout. */
  @Override
  public HttpRequest.Builder request(String pathAndQuery) {
    return super.request(pathAndQuery).timeout(Duration.ofMinutes(2));
  }

  // ---------------------------------------------------------------- waiting

  /**
   * Waits until {@code condition} holds, checking every {@code interval}, failing after {@code
   * timeout}. The pause between checks is a {@link LockSupport#parkNanos} inside this bounded
   * polling loop: the conditions are external (another process, the database), so there is nothing
   * to block on, and checking without a pause would take CPU from the service under test.
   */
  public static void awaitCondition(
      String what, Duration timeout, Duration interval, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      LockSupport.parkNanos(interval.toNanos());
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what);
      }
    }
  }

  /** A TCP port that was free a moment ago (another process may take it before it is bound). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
