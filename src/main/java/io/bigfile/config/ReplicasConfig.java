package io.bigfile.config;

import io.bigfile.engine.Engine;
import io.bigfile.postgres.catalog.ReplicaRepository;
import io.bigfile.postgres.catalog.Replicas;
import io.bigfile.replica.Drain;
import io.bigfile.replica.ForwardingFilter;
import io.bigfile.replica.ReplicaRegistry;
import io.bigfile.security.audit.AuditFilter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManagerFactory;
import jakarta.servlet.DispatcherType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Several replicas behind one Service: the registry, forwarding to a transaction's replica, and the
 * drain at shutdown (see {@code io.bigfile.replica}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReplicasProperties.class)
class ReplicasConfig {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicasConfig.class);

  @Bean
  @DependsOnDatabaseInitialization
  Replicas replicaRows(EntityManagerFactory entityManagerFactory, ReplicaRepository rows) {
    return new Replicas(entityManagerFactory, rows);
  }

  @Bean(destroyMethod = "close")
  ReplicaRegistry replicaRegistry(Replicas rows, ReplicasProperties props) {
    return new ReplicaRegistry(rows, props.heartbeatInterval(), props.lease());
  }

  /** Publishes this replica's address once its HTTP port listens (not the management port's). */
  @Bean
  ApplicationListener<WebServerInitializedEvent> advertiseReplica(
      ReplicaRegistry registry, ReplicasProperties props, ServerProperties server) {
    return event -> {
      if (event.getApplicationContext().getServerNamespace() != null) {
        return;
      }
      registry.advertise(advertisedAddress(props, server, event.getWebServer().getPort()));
    };
  }

  static String advertisedAddress(ReplicasProperties props, ServerProperties server, int port) {
    String configured = props.advertisedAddress().strip();
    if (!configured.isEmpty()) {
      boolean hasPort =
          configured.startsWith("[")
              ? configured.contains("]:")
              : configured.indexOf(':') >= 0
                  && configured.indexOf(':') == configured.lastIndexOf(':');
      return hasPort ? configured : hostPort(configured, port);
    }
    if (server.getAddress() != null && !server.getAddress().isAnyLocalAddress()) {
      return hostPort(server.getAddress().getHostAddress(), port);
    }
    try {
      return hostPort(InetAddress.getLocalHost().getHostName(), port);
    } catch (UnknownHostException e) {
      LOG.warn(
          "this machine's host name does not resolve: other replicas cannot reach this one until"
              + " bigfile.replicas.advertised-address is set");
      return hostPort(InetAddress.getLoopbackAddress().getHostAddress(), port);
    }
  }

  private static String hostPort(String host, int port) {
    boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
    return (ipv6 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * Right after the security chain, so that a request is authenticated where it arrives; before the
   * audit (the owner audits a forwarded request) and before request bodies are received (a
   * forwarded body streams through).
   */
  @Bean
  FilterRegistrationBean<ForwardingFilter> forwardingFilter(
      ReplicaRegistry registry, ReplicasProperties props, JsonMapper json, MeterRegistry meters) {
    FilterRegistrationBean<ForwardingFilter> reg =
        new FilterRegistrationBean<>(
            new ForwardingFilter(registry, props.connectTimeout(), json, meters));
    reg.setOrder(AuditFilter.ORDER - 5);
    reg.setDispatcherTypes(DispatcherType.REQUEST);
    reg.addUrlPatterns("/v1/*");
    return reg;
  }

  @Bean
  Drain drain(
      ReplicaRegistry registry,
      Engine engine,
      ReplicasProperties props,
      ApplicationEventPublisher events) {
    return new Drain(
        registry,
        () -> engine.openTransactionCount() + engine.unconfirmedCommitCount(),
        props.drainPeriod(),
        events);
  }
}
