package io.bigfile.config;

import io.bigfile.security.audit.AuditLog;
import io.bigfile.security.links.KeyFile;
import io.bigfile.security.links.LinkSigner;
import io.bigfile.security.links.SignedLinkFilter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Signed links: the signer with its keys, and the filter that authenticates link requests. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LinksProperties.class)
class LinksConfig {

  private static final Logger LOG = LoggerFactory.getLogger(LinksConfig.class);

  @Bean
  LinkSigner linkSigner(LinksProperties links) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    String signing;
    if (links.configured()) {
      links.keys().forEach((id, value) -> keys.put(id, LinkSigner.decodeKey(id, value)));
      signing = links.signingKeyId();
      LOG.info("signed links: keys {}, new links signed with '{}'", keys.keySet(), signing);
    } else {
      keys.put(KeyFile.KEY_ID, KeyFile.readOrCreate(links.keyFile()));
      signing = KeyFile.KEY_ID;
      LOG.info(
          "signed links: no bigfile.security.links.keys configured; links are signed with the key"
              + " in {} (generated on first start; deleting it revokes every link it signed)",
          links.keyFile().toAbsolutePath());
    }
    return new LinkSigner(keys, signing, links.maxExpiresIn(), Clock.systemUTC());
  }

  /** Run by the security filter chain, which {@link SecurityConfig} adds it to by this name. */
  @Bean(SecurityConfig.SIGNED_LINK_FILTER)
  SignedLinkFilter signedLinkFilter(LinkSigner linkSigner, AuditLog auditLog) {
    return new SignedLinkFilter(linkSigner, auditLog);
  }

  /**
   * Keeps the link filter out of the servlet container's own filters: Spring Boot would register
   * every {@code Filter} bean there, and it must run only inside the security filter chain, before
   * bearer-token authentication, where {@link SecurityConfig} puts it in every mode. Registered
   * there too, it would run outside the chain instead (it runs once per request, wherever it comes
   * first), and the chain would then start from an empty security context: the link's requests
   * would be anonymous.
   */
  @Bean
  FilterRegistrationBean<SignedLinkFilter> signedLinkFilterRegistration(SignedLinkFilter filter) {
    FilterRegistrationBean<SignedLinkFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setEnabled(false);
    return registration;
  }
}
