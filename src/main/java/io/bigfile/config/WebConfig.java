package io.bigfile.config;

import io.bigfile.web.ErrorProblems;
import io.bigfile.web.IdempotencyKeyFilter;
import io.bigfile.web.RangePolicy;
import io.bigfile.web.ReceivedBodies;
import io.bigfile.web.StartedResponses;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;
import org.apache.catalina.Host;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Settings of the HTTP edge. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({RangesProperties.class, UploadsProperties.class})
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

  /** Request bodies are received in full, without a thread, before their request is handled. */
  @Bean
  ReceivedBodies receivedBodies(
      UploadsProperties uploads, FilesProperties files, MeterRegistry registry) {
    ReceivedBodies bodies =
        new ReceivedBodies(
            files.maxSize().toBytes(),
            uploads.minRate().toBytes(),
            uploads.rateWindow(),
            (int) uploads.memoryThreshold().toBytes(),
            uploads.maxMemory().toBytes(),
            Path.of(System.getProperty("java.io.tmpdir")));
    Gauge.builder("bigfile.request.bodies.receiving", bodies, ReceivedBodies::receiving)
        .description("Request bodies being received, before their request is handled")
        .register(registry);
    bodies
        .refused()
        .forEach(
            (reason, count) ->
                FunctionCounter.builder("bigfile.request.bodies.refused", count, LongAdder::sum)
                    .description("Request bodies refused before their request was handled")
                    .tag("reason", reason)
                    .register(registry));
    return bodies;
  }

  /**
   * After every other filter but the idempotency key's: they run once, on the request's first
   * dispatch, and this one alone acts on the second, once the body arrived (then the idempotency
   * key's filter, which digests the body as it is read from where it was received).
   */
  @Bean
  FilterRegistrationBean<ReceivedBodies> receivedBodiesFilter(ReceivedBodies bodies) {
    FilterRegistrationBean<ReceivedBodies> reg = new FilterRegistrationBean<>(bodies);
    reg.setOrder(Ordered.LOWEST_PRECEDENCE - 1);
    reg.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
    reg.setAsyncSupported(true);
    reg.addUrlPatterns("/v1/*");
    return reg;
  }

  @Bean
  RangePolicy rangePolicy(RangesProperties ranges) {
    return new RangePolicy(
        ranges.maxRanges(), ranges.maxOverlapping(), ranges.maxAscendingRanges());
  }

  /**
   * After {@link ReceivedBodies}: an {@code Idempotency-Key}'s fingerprint digests the body as the
   * handler reads it, from where it was received.
   */
  @Bean
  FilterRegistrationBean<IdempotencyKeyFilter> idempotencyKeyFilter() {
    FilterRegistrationBean<IdempotencyKeyFilter> reg =
        new FilterRegistrationBean<>(new IdempotencyKeyFilter());
    reg.setOrder(Ordered.LOWEST_PRECEDENCE);
    reg.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
    reg.setAsyncSupported(true);
    reg.addUrlPatterns("/v1/*");
    return reg;
  }
}
