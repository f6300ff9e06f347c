package io.bigfile.support;

import java.util.List;

/**
 * A service process whose database connections all pass through a {@link TcpProxy}, so that a test
 * can cut the database off and bring it back. Closing it stops the service, then the proxy.
 */
public record ProxiedService(TcpProxy proxy, ServiceProcess service) implements AutoCloseable {

  /** Starts a service named {@code name} on the test database, through a new proxy. */
  public static ProxiedService start(String name, List<String> jvmOptions) {
    return start(name, jvmOptions, List.of());
  }

  /** The same, with extra Spring arguments such as {@code --bigfile.history.pack-interval=1h}. */
  public static ProxiedService start(String name, List<String> jvmOptions, List<String> arguments) {
    String url = TestDatabase.get().url();
    TcpProxy proxy = TcpProxy.forJdbcUrl(url);
    try {
      ServiceProcess service =
          new ServiceProcess(name, jvmOptions, arguments).withDatabaseUrl(proxy.jdbcUrl(url));
      return new ProxiedService(proxy, service.start());
    } catch (RuntimeException e) {
      proxy.close();
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } finally {
      proxy.close();
    }
  }
}
