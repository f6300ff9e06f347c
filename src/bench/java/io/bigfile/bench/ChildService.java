package io.bigfile.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The service as a child JVM ({@code io.bigfile.BigFileApplication} on this JVM's class path, as
 * the tests' {@code ServiceProcess} starts it) over the benchmark schema, with its own JVM options,
 * a GC log and its output under {@code target/bench/<name>/}, and a local JMX port so that the
 * harness can read its heap.
 */
final class ChildService implements AutoCloseable {

  /**
   * The G1 region size the image sets, so that 2 MiB block arrays (the default block size) are not
   * humongous objects that each take whole regions.
   */
  static final String IMAGE_GC_OPTION = "-XX:G1HeapRegionSize=8m";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  private final Path dir;
  private final Process process;
  private final int port;
  private final int jmxPort;
  private final Api api;
  private JMXConnector jmx;
  private MBeanServerConnection connection;
  private MemoryMXBean memory;

  private ChildService(Path dir, Process process, int port, int jmxPort) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.jmxPort = jmxPort;
    this.api = new Api("http://127.0.0.1:" + port);
  }

  static ChildService start(
      BenchConfig cfg, BenchDb db, String name, List<String> jvmOptions, List<String> arguments) {
    Path dir = cfg.out().resolve(name);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int port = freePort();
    int jmxPort = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xlog:gc:file=" + dir.resolve("gc.log"));
    // as the image runs the service (Dockerfile, JDK_JAVA_OPTIONS): block arrays are not humongous
    cmd.add(IMAGE_GC_OPTION);
    cmd.addAll(jvmOptions);
    cmd.add("-Dcom.sun.management.jmxremote.port=" + jmxPort);
    cmd.add("-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort);
    cmd.add("-Dcom.sun.management.jmxremote.host=127.0.0.1");
    cmd.add("-Djava.rmi.server.hostname=127.0.0.1");
    cmd.add("-Dcom.sun.management.jmxremote.authenticate=false");
    cmd.add("-Dcom.sun.management.jmxremote.ssl=false");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.bigfile.BigFileApplication");
    cmd.add("--server.port=" + port);
    cmd.add("--spring.main.banner-mode=off");
    cmd.add("--logging.level.org.springdoc=ERROR");
    cmd.add("--spring.datasource.url=" + db.url("ApplicationName=bigfile-bench-" + name));
    cmd.add("--spring.datasource.username=" + (db.user() == null ? "" : db.user()));
    cmd.add("--spring.datasource.password=" + (db.password() == null ? "" : db.password()));
    cmd.add("--narayana.log-dir=" + dir.resolve("narayana"));
    cmd.addAll(arguments);
    Path log = dir.resolve("output.log");
    Process p;
    try {
      Files.writeString(log, String.join(" ", cmd) + "\n\n", StandardCharsets.UTF_8);
      p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    ChildService s = new ChildService(dir, p, port, jmxPort);
    s.awaitReady();
    return s;
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the child service exited with " + process.exitValue() + "; see " + dir);
      }
      try {
        if (readiness() == 200) {
          return;
        }
      } catch (UncheckedIOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the child service did not become ready; see " + dir);
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
  }

  Api api() {
    return api;
  }

  Path dir() {
    return dir;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  boolean isReady() {
    try {
      return readiness() == 200;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** The status of the readiness probe (its connection is the one {@link #api()} uses). */
  private int readiness() {
    return api.send(api.request("GET", "/actuator/health/readiness").timeout(Duration.ofSeconds(5)))
        .status();
  }

  String output() {
    try {
      return Files.readString(dir.resolve("output.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The child's heap, over JMX. */
  MemoryMXBean memory() {
    if (memory == null) {
      try {
        jmx =
            JMXConnectorFactory.connect(
                new JMXServiceURL(
                    "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
        connection = jmx.getMBeanServerConnection();
        memory =
            ManagementFactory.newPlatformMXBeanProxy(
                connection, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return memory;
  }

  /** The child's platform MBeans (connects on first use). */
  MBeanServerConnection connection() {
    memory();
    return connection;
  }

  /** A VM option of the child, e.g. {@code G1HeapRegionSize}; "?" if it cannot be read. */
  String vmOption(String name) {
    try {
      return ManagementFactory.newPlatformMXBeanProxy(
              connection(),
              "com.sun.management:type=HotSpotDiagnostic",
              com.sun.management.HotSpotDiagnosticMXBean.class)
          .getVMOption(name)
          .getValue();
    } catch (IOException | IllegalArgumentException e) {
      return "?";
    }
  }

  /** Used heap after a full collection, in bytes. */
  long usedAfterGc() {
    memory().gc();
    return memory().getHeapMemoryUsage().getUsed();
  }

  @Override
  public void close() {
    api.close();
    if (jmx != null) {
      try {
        jmx.close();
      } catch (IOException e) {
        // the child goes away anyway
      }
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  int port() {
    return port;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
