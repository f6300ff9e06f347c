package io.bigfile.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** {@code bigfile.standbys} as the service binds it, from its configuration or environment. */
class StandbyPropertiesTests {

  private static StandbyProperties fromEnvironment(String value) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources()
        .addFirst(
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("BIGFILE_STANDBYS", value)));
    return new Binder(ConfigurationPropertySources.get(env))
        .bindOrCreate("bigfile", StandbyProperties.class);
  }

  private static StandbyProperties from(Map<String, String> settings) {
    return new Binder(new MapConfigurationPropertySource(settings))
        .bindOrCreate("bigfile", StandbyProperties.class);
  }

  @Test
  void noStandbysByDefault() {
    assertThat(from(Map.of()).standbys()).isEmpty();
  }

  @Test
  void theEnvironmentListsThemCommaSeparated() {
    assertThat(
            fromEnvironment(
                    "jdbc:postgresql://standby-1:5432/bigfile, jdbc:postgresql://standby-2/bigfile")
                .standbys())
        .containsExactly(
            "jdbc:postgresql://standby-1:5432/bigfile", "jdbc:postgresql://standby-2/bigfile");
    assertThat(fromEnvironment("").standbys()).isEmpty();
  }

  @Test
  void aListInTheConfiguration() {
    assertThat(
            from(Map.of(
                    "bigfile.standbys[0]", "jdbc:postgresql://a/bigfile",
                    "bigfile.standbys[1]", "jdbc:postgresql://b/bigfile?password=secret"))
                .standbys())
        .containsExactly(
            "jdbc:postgresql://a/bigfile", "jdbc:postgresql://b/bigfile?password=secret");
  }

  @Test
  void aStandbyIsNamedWithoutTheParametersOfItsUrl() {
    assertThat(StandbyProperties.name("jdbc:postgresql://b:5433/bigfile?password=secret"))
        .isEqualTo("jdbc:postgresql://b:5433/bigfile");
  }

  @Test
  void onlyPostgresUrlsEachOnce() {
    assertThatThrownBy(() -> from(Map.of("bigfile.standbys", "jdbc:mysql://a/bigfile")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("is not a PostgreSQL JDBC URL");
    assertThatThrownBy(
            () ->
                from(
                    Map.of(
                        "bigfile.standbys",
                        "jdbc:postgresql://a/bigfile,jdbc:postgresql://a/bigfile?ssl=true")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("names a standby twice");
  }
}
