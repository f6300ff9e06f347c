package io.bigfile.bench;

import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The service as a child JVM, started by the tests' {@link ServiceProcess} over the benchmark
 * schema, with its own JVM options, its output and GC log under {@code target/bench/<name>/}, and a
 * local JMX port so that the harness can read its heap. What this class adds to a {@link
 * ServiceProcess}: the image's GC setting, the JMX port and connection, authentication on ({@link
 * Security#TOKEN}), and the benchmark's client ({@link Api}) of the child, which sends the token.
 */
final class ChildService implements AutoCloseable {

  /**
   * The G1 region size the image sets, so that 2 MiB block arrays (the default block size) are not
   * humongous objects that each take whole regions.
   */
  static final String IMAGE_GC_OPTION = "-XX:G1HeapRegionSize=8m";

  private final ServiceProcess process;
  private final int jmxPort;
  private final Api api;
  private JMXConnector jmx;
  private MBeanServerConnection connection;
  private MemoryMXBean memory;

  private ChildService(ServiceProcess process, int jmxPort) {
    this.process = process;
    this.jmxPort = jmxPort;
    this.api = new Api("http://127.0.0.1:" + process.port(), Security.TOKEN.token());
  }

  static ChildService start(
      BenchConfig cfg, BenchDb db, String name, List<String> jvmOptions, List<String> arguments) {
    int jmxPort = ServiceProcess.freePort();
    List<String> jvm = new ArrayList<>();
    // as the image runs the service (Dockerfile, JDK_JAVA_OPTIONS): block arrays are not humongous
    jvm.add(IMAGE_GC_OPTION);
    jvm.addAll(jvmOptions);
    jvm.add("-Dcom.sun.management.jmxremote.port=" + jmxPort);
    jvm.add("-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort);
    jvm.add("-Dcom.sun.management.jmxremote.host=127.0.0.1");
    jvm.add("-Djava.rmi.server.hostname=127.0.0.1");
    jvm.add("-Dcom.sun.management.jmxremote.authenticate=false");
    jvm.add("-Dcom.sun.management.jmxremote.ssl=false");
    List<String> args = new ArrayList<>();
    args.add("--spring.main.banner-mode=off");
    args.add("--logging.level.org.springdoc=ERROR");
    args.addAll(Security.TOKEN.arguments());
    args.addAll(arguments);
    ServiceProcess process =
        new ServiceProcess("bench-" + name, jvm, args)
            .withDirectory(cfg.out().resolve(name))
            .withDatabase(
                new TestDatabase.Coordinates(
                    db.url(null), db.user(), db.password(), "bench: " + db.source()));
    try {
      process.start();
    } catch (AssertionError e) {
      // a child that did not start fails its figure, not the whole benchmark (Bench.group)
      process.close();
      throw new IllegalStateException(
          "the child service did not start: " + e.getMessage() + "; see " + process.directory(), e);
    }
    return new ChildService(process, jmxPort);
  }

  Api api() {
    return api;
  }

  /** Where the child's output, GC log and Narayana log are. */
  Path dir() {
    return process.directory();
  }

  Path gcLog() {
    return process.gcLog();
  }

  boolean isReady() {
    return process.readinessStatus() == 200;
  }

  String output() {
    return process.output();
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

  /** Stops the child gracefully (SIGTERM, SIGKILL if it takes too long) and waits for it. */
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
    process.stop();
  }
}
