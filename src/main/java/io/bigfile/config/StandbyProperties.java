package io.bigfile.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * PostgreSQL hot standbys of the database, which serve reads at the revisions they have replayed:
 * {@code bigfile.standbys}, in the environment {@code BIGFILE_STANDBYS} (comma-separated). Each
 * standby is reached with {@code spring.datasource.username} and {@code password}, and gets a pool
 * of its own (see {@code StandbyConfig}).
 *
 * @param standbys JDBC URLs of the standbys ({@code jdbc:postgresql://host:port/database}, the
 *     primary's database); none: every read runs on the primary
 */
@ConfigurationProperties("bigfile")
public record StandbyProperties(@DefaultValue List<String> standbys) {

  public StandbyProperties {
    standbys = standbys.stream().map(String::strip).filter(u -> !u.isEmpty()).toList();
    for (String url : standbys) {
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "bigfile.standbys: " + name(url) + " is not a PostgreSQL JDBC URL (jdbc:postgresql:)");
      }
    }
    if (standbys.stream().map(StandbyProperties::name).distinct().count() < standbys.size()) {
      throw new IllegalArgumentException("bigfile.standbys names a standby twice");
    }
  }

  /** A URL as metrics, health and logs show it: without its parameters, which may hold secrets. */
  static String name(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }
}
