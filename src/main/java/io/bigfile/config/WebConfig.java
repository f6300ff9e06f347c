package io.bigfile.config;

import io.bigfile.web.RangePolicy;
import io.bigfile.web.StartedResponses;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Settings of the HTTP edge. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RangesProperties.class)
class WebConfig {

  /** Failures after a response started close the connection (see {@link StartedResponses}). */
  @Bean
  StartedResponses startedResponses() {
    return new StartedResponses();
  }

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> abortStartedResponses() {
    return factory -> factory.addContextValves(StartedResponses.valve());
  }

  @Bean
  RangePolicy rangePolicy(RangesProperties ranges) {
    return new RangePolicy(
        ranges.maxRanges(), ranges.maxOverlapping(), ranges.maxAscendingRanges());
  }
}
