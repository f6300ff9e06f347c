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

  /**
   * Where the security filter chain would run: the link filter authenticates before everything that
   * reads the security context (the audit filter, the controllers).
   */
  static final int SIGNED_LINK_FILTER_ORDER = -100;

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

  @Bean
  SignedLinkFilter signedLinkFilter(LinkSigner linkSigner, AuditLog auditLog) {
    return new SignedLinkFilter(linkSigner, auditLog);
  }

  /**
   * Runs the link filter as a servlet filter of its own, at the place of the security filter chain.
   * Once a SecurityFilterChain adds the filter itself (before bearer-token authentication), this
   * registration must be disabled ({@code setEnabled(false)}), so that the filter runs once, inside
   * the chain.
   */
  @Bean
  FilterRegistrationBean<SignedLinkFilter> signedLinkFilterRegistration(SignedLinkFilter filter) {
    FilterRegistrationBean<SignedLinkFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setOrder(SIGNED_LINK_FILTER_ORDER);
    return registration;
  }
}
