package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Several replicas: {@code bigfile.replicas.*}.
 *
 * @param advertisedAddress host or host:port at which the other replicas reach this one's HTTP
 *     port; empty: {@code server.address} if set, else this machine's host name, and the port the
 *     server listens on
 * @param heartbeatInterval how often this replica says in the registry that it is alive
 * @param lease how long after its last heartbeat a replica is taken as gone, its transactions lost
 * @param drainPeriod at shutdown, how long this replica keeps serving its open transactions before
 *     aborting them (keep the pod's termination grace period longer)
 * @param connectTimeout the longest a forwarded request waits to connect to another replica
 */
@ConfigurationProperties("bigfile.replicas")
public record ReplicasProperties(
    @DefaultValue("") String advertisedAddress,
    @DefaultValue("2s") Duration heartbeatInterval,
    @DefaultValue("10s") Duration lease,
    @DefaultValue("2m") Duration drainPeriod,
    @DefaultValue("2s") Duration connectTimeout) {

  public ReplicasProperties {
    if (heartbeatInterval.toMillis() < 100) {
      throw new IllegalArgumentException(
          "bigfile.replicas.heartbeat-interval must be at least 100ms");
    }
    if (lease.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException(
          "bigfile.replicas.lease must be at least three heartbeat intervals");
    }
    if (drainPeriod.isNegative()) {
      throw new IllegalArgumentException("bigfile.replicas.drain-period must not be negative");
    }
    if (connectTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("bigfile.replicas.connect-timeout must be positive");
    }
  }
}
