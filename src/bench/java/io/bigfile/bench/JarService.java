package io.bigfile.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged jar as a user runs it: {@code java <options> -jar target/bigfile-<version>.jar} in a
 * working directory of its own under {@code target/bench}, told only where it listens and which
 * database to use ({@code --server.port}, {@code --spring.datasource.*}); every other setting is
 * the service's default. Authentication is the default too: {@code token} mode with the token the
 * first start generates in {@code data/token} of that directory, which the harness reads as the
 * README tells a user to. The child gets none of the harness's {@code BIGFILE_*}, {@code SPRING_*},
 * {@code SERVER_*}, {@code MANAGEMENT_*}, {@code LOGGING_*} or {@code NARAYANA_*} environment
 * variables, nor its {@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS} or {@code _JAVA_OPTIONS},
 * only the ones it is given. Its output goes to {@code output-<n>.log} in its directory, one file
 * per start.
 *
 * <p>Unlike a {@link ChildService}, nothing here tunes the service or its JVM: no GC option, no
 * JMX, no GC log. A child never outlives the harness: a shutdown hook kills any left over.
 */
final class JarService implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final List<String> UNSET_PREFIXES =
      List.of("BIGFILE_", "SPRING_", "SERVER_", "MANAGEMENT_", "LOGGING_", "NARAYANA_");
  private static final List<String> UNSET =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
  private static final Pattern CACHE = Pattern.compile("page cache (\\d+)( MiB| bytes)");
  private static final Pattern STARTED =
      Pattern.compile("Started BigFileApplication in ([0-9.]+) seconds");

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-jars"));
  }

  private final Path jar;
  private final Path dir;
  private final List<String> jvmOptions;
  private final Map<String, String> environment;
  private final List<String> arguments;
  private Process process;
  private Path log;
  private int starts;
  private int port;
  private Api api;

  /**
   * @param jar the packaged jar
   * @param dir its working directory (its {@code data/} and logs are there)
   * @param jvmOptions options of its JVM on the command line, e.g. {@code -Xmx2g}
   * @param environment environment variables to set, e.g. the image's {@code JDK_JAVA_OPTIONS}
   * @param arguments its arguments: where it listens is added, the database is among them
   */
  JarService(
      Path jar,
      Path dir,
      List<String> jvmOptions,
      Map<String, String> environment,
      List<String> arguments) {
    this.jar = jar;
    this.dir = dir.toAbsolutePath();
    this.jvmOptions = List.copyOf(jvmOptions);
    this.environment = Map.copyOf(environment);
    this.arguments = List.copyOf(arguments);
  }

  /** The database arguments of a service over the benchmark schema. */
  static List<String> database(BenchDb db, String applicationName) {
    return List.of(
        "--spring.datasource.url=" + db.url("ApplicationName=" + applicationName),
        "--spring.datasource.username=" + (db.user() == null ? "" : db.user()),
        "--spring.datasource.password=" + (db.password() == null ? "" : db.password()));
  }

  /**
   * Starts the jar (again, after a stop) on a free port, waits until its readiness probe answers
   * 200 and reads its token. The free port is found by binding and releasing it; if another process
   * takes it meanwhile, the start is tried again, up to three times.
   */
  JarService start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("already running: pid " + process.pid());
    }
    for (int attempt = 1; attempt <= 3; attempt++) {
      if (launch()) {
        return this;
      }
    }
    throw new IllegalStateException("the jar lost its port to another process three times");
  }

  private boolean launch() {
    port = io.bigfile.support.ServiceProcess.freePort();
    starts++;
    log = dir.resolve("output-" + starts + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("--server.port=" + port);
    cmd.addAll(arguments);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet()
        .removeIf(k -> UNSET.contains(k) || UNSET_PREFIXES.stream().anyMatch(k::startsWith));
    env.putAll(environment);
    try {
      Files.createDirectories(dir);
      StringBuilder head = new StringBuilder();
      environment.forEach((k, v) -> head.append(k).append("=\"").append(v).append("\" "));
      head.append(String.join(" ", cmd).replaceAll("(datasource\\.password=)\\S*", "$1***"));
      Files.writeString(log, head + "\n\n", StandardCharsets.UTF_8);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LIVE.add(process);
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (readiness() != 200) {
      if (!process.isAlive()) {
        LIVE.remove(process);
        String out = output();
        if (out.contains("was already in use")) {
          return false;
        }
        throw new IllegalStateException(
            "the jar exited with " + process.exitValue() + " while starting; see " + log);
      }
      if (System.nanoTime() - deadline > 0) {
        stop();
        throw new IllegalStateException(
            "the jar was not ready after " + READY_TIMEOUT.toSeconds() + " s; see " + log);
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
    api = new Api(base(), token());
    return true;
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }

  /** The token the service generated in {@code data/token} on its first start. */
  private String token() {
    Path file = dir.resolve("data").resolve("token");
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException(
          "no token in " + file + " (the service's default token-mode set-up): " + e, e);
    }
  }

  /** The readiness probe's status, or -1 if it cannot be reached. */
  int readiness() {
    try (Api probe = new Api(base())) {
      return probe.send(probe.request("GET", "/actuator/health/readiness")).status();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** A client of the running service, with its token. */
  Api api() {
    return api;
  }

  Path dir() {
    return dir;
  }

  /** The output of the current (or last) start. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** The line where the service says how it shared its heap ({@code memory: heap ...}). */
  String memoryLine() {
    return output()
        .lines()
        .filter(l -> l.contains("memory: heap"))
        .map(l -> l.substring(l.indexOf("memory: heap") + "memory: ".length()))
        .findFirst()
        .orElse("?");
  }

  /** How long the current start took, as the service says ({@code Started ... in 9.8 seconds}). */
  String startedLine() {
    Matcher m = STARTED.matcher(output());
    return m.find() ? "started in " + m.group(1) + " s" : "start time not in its log";
  }

  /** The page cache size the service says it chose, or -1 if its log does not say. */
  long cacheBytes() {
    Matcher m = CACHE.matcher(memoryLine());
    if (!m.find()) {
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    return m.group(2).equals(" MiB") ? n * BenchConfig.MiB : n;
  }

  /** The service's metrics, in Prometheus' text format ({@code files.admin}: the token has it). */
  String prometheus() {
    Api.Reply r = api.send(api.request("GET", "/actuator/prometheus"));
    if (r.status() != 200) {
      throw new IllegalStateException("/actuator/prometheus answered " + r.status());
    }
    return r.body();
  }

  /**
   * The sum of every series of metric {@code name} in Prometheus text whose labels contain {@code
   * label} (e.g. {@code result="miss"}; empty for every series).
   */
  static double metric(String text, String name, String label) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      int end = line.lastIndexOf(' ');
      if (line.substring(0, end).contains(label)) {
        sum += Double.parseDouble(line.substring(end + 1).trim());
      }
    }
    return sum;
  }

  /** Stops the service gracefully (SIGTERM, SIGKILL after a minute) and waits for it, bounded. */
  void stop() {
    if (api != null) {
      api.close();
      api = null;
    }
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("pid " + process.pid() + " did not exit");
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LIVE.remove(process);
  }

  @Override
  public void close() {
    stop();
  }
}
