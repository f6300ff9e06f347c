package io.bigfile.config;

import io.bigfile.security.audit.AuditFilter;
import io.bigfile.security.audit.AuditLog;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit log, and the filter that writes an event per API request. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
class AuditConfig {

  @Bean
  AuditLog auditLog(AuditProperties audit) {
    return new AuditLog(audit.reads());
  }

  /** After authentication (Spring Security's chain is at -100), around the dispatcher. */
  @Bean
  FilterRegistrationBean<AuditFilter> auditFilter(AuditLog auditLog) {
    FilterRegistrationBean<AuditFilter> registration =
        new FilterRegistrationBean<>(new AuditFilter(auditLog));
    registration.setOrder(AuditFilter.ORDER);
    registration.addUrlPatterns("/v1/*");
    // a request whose body arrived slowly is handled, and audited, on an ASYNC dispatch
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
    return registration;
  }
}
