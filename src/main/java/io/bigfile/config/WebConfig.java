package io.bigfile.config;

import io.bigfile.web.ErrorProblems;
import io.bigfile.web.RangePolicy;
import io.bigfile.web.StartedResponses;
import org.apache.catalina.Host;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
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

  /**
   * What the web server refuses before any servlet runs, and how it says so: every refusal is a
   * problem (see {@link ErrorProblems}); a percent-encoded {@code /} or {@code \} in a path is
   * refused, never decoded into another route (README, Errors); {@code TRACE} is refused (405),
   * never echoed. These are Tomcat's defaults, pinned so that a new Tomcat cannot change them
   * silently.
   */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> containerRefusals() {
    return factory -> {
      factory.addConnectorCustomizers(
          connector -> {
            connector.setEncodedSolidusHandling(EncodedSolidusHandling.REJECT.getValue());
            connector.setEncodedReverseSolidusHandling(EncodedSolidusHandling.REJECT.getValue());
            connector.setAllowBackslash(false);
            connector.setAllowTrace(false);
          });
      factory.addContextCustomizers(
          context -> ErrorProblems.replaceErrorReportValveOnStart((Host) context.getParent()));
    };
  }

  @Bean
  RangePolicy rangePolicy(RangesProperties ranges) {
    return new RangePolicy(
        ranges.maxRanges(), ranges.maxOverlapping(), ranges.maxAscendingRanges());
  }
}
