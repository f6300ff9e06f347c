package io.bigfile.config;

import io.bigfile.web.RangePolicy;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Settings of the HTTP edge. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RangesProperties.class)
class WebConfig {

  @Bean
  RangePolicy rangePolicy(RangesProperties ranges) {
    return new RangePolicy(
        ranges.maxRanges(), ranges.maxOverlapping(), ranges.maxAscendingRanges());
  }
}
