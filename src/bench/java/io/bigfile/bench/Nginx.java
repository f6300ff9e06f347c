package io.bigfile.bench;

import io.bigfile.support.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The static file server of figure 10's warm baselines: Debian's nginx ({@value #BINARY}, {@code
 * apt-get install nginx}) serving one file at {@code /data} on a loopback port, whole or one {@code
 * Range} (nginx answers a single range of a static file with {@code 206} itself). Its prefix
 * directory, configuration, temporary paths, pid file and error log are under the directory it is
 * given; the file is written there too, and removed at the end.
 *
 * <p>The configuration is the minimum for a fast static server: {@code sendfile}, keep-alive (with
 * enough requests per connection for a whole timed run), {@code access_log off}, one worker per
 * core under a master process that stays in the foreground ({@code daemon off}), so that it is the
 * harness's child. It runs as the current user (as root, its workers stay root instead of becoming
 * {@code nobody}). Stopped with SIGTERM (nginx's fast shutdown); a master or worker still there
 * after a bounded wait is killed by its pid.
 */
final class Nginx implements AutoCloseable {

  static final String BINARY = "/usr/sbin/nginx";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final Path prefix;
  private final Path data;
  private final Process process;
  private final int port;
  private final List<ProcessHandle> workers = new ArrayList<>();
  private final Thread hook;

  private Nginx(Path prefix, Path data, Process process, int port) {
    this.prefix = prefix;
    this.data = data;
    this.process = process;
    this.port = port;
    process.descendants().forEach(workers::add);
    this.hook = new Thread(this::kill, "kill-nginx");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Whether Debian's nginx is installed. */
  static boolean available() {
    return Files.isExecutable(Path.of(BINARY));
  }

  /** {@code nginx -v}: its version line. */
  static String version() {
    try {
      Process p = new ProcessBuilder(BINARY, "-v").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /**
   * Writes {@code bytes} to {@code <prefix>/html/data} and serves them; tries three free ports
   * before giving up.
   */
  static Nginx start(Path prefix, byte[] bytes) {
    Path dir = prefix.toAbsolutePath();
    Path data = dir.resolve("html").resolve("data");
    try {
      for (String sub : List.of("html", "logs", "tmp")) {
        Files.createDirectories(dir.resolve(sub));
      }
      Files.write(data, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return launch(dir, data);
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    throw last;
  }

  private static Nginx launch(Path dir, Path data) {
    int port = ServiceProcess.freePort();
    Path conf = dir.resolve("nginx.conf");
    Path errorLog = dir.resolve("logs").resolve("error.log");
    Path tmp = dir.resolve("tmp");
    String root = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    String config =
        root
            + "daemon off;\n"
            + "master_process on;\n"
            + "worker_processes auto;\n"
            + "pid "
            + dir.resolve("nginx.pid")
            + ";\n"
            + "error_log "
            + errorLog
            + " warn;\n"
            + "events { worker_connections 1024; }\n"
            + "http {\n"
            + "  access_log off;\n"
            + "  sendfile on;\n"
            + "  tcp_nopush on;\n"
            + "  tcp_nodelay on;\n"
            + "  keepalive_timeout 75s;\n"
            + "  keepalive_requests 1000000;\n"
            + "  default_type application/octet-stream;\n"
            + "  client_body_temp_path "
            + tmp.resolve("body")
            + ";\n"
            + "  proxy_temp_path "
            + tmp.resolve("proxy")
            + ";\n"
            + "  fastcgi_temp_path "
            + tmp.resolve("fastcgi")
            + ";\n"
            + "  uwsgi_temp_path "
            + tmp.resolve("uwsgi")
            + ";\n"
            + "  scgi_temp_path "
            + tmp.resolve("scgi")
            + ";\n"
            + "  server {\n"
            + "    listen 127.0.0.1:"
            + port
            + ";\n"
            + "    server_name localhost;\n"
            + "    root "
            + data.getParent()
            + ";\n"
            + "    location = /data { }\n"
            + "  }\n"
            + "}\n";
    Process p;
    try {
      Files.writeString(conf, config, StandardCharsets.UTF_8);
      p =
          new ProcessBuilder(
                  BINARY, "-p", dir + "/", "-c", conf.toString(), "-e", errorLog.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("logs").resolve("output.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!answers(port)) {
      if (!p.isAlive() || System.nanoTime() - deadline > 0) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException(
            "nginx did not start on port " + port + ": " + tail(errorLog));
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    return new Nginx(dir, data, p, port);
  }

  private static boolean answers(int port) {
    try (Api probe = new Api("http://127.0.0.1:" + port)) {
      return probe.readBytes("/data", Api.range(0, 1)).length == 1;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no " + log + ")";
    }
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /** Fast shutdown (SIGTERM), a bounded wait, then SIGKILL of whatever is left, by pid. */
  private void kill() {
    process.descendants().forEach(workers::add);
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle w : workers) {
      if (w.isAlive()) {
        w.destroyForcibly();
      }
    }
  }

  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the harness is already shutting down: the hook runs kill() again, which does nothing
    }
    try {
      Files.deleteIfExists(prefix.resolve("nginx.pid"));
      Files.deleteIfExists(data);
    } catch (IOException e) {
      Bench.log("could not clean up " + prefix + ": " + e);
    }
  }
}
