package io.bigfile.security.links;

import io.bigfile.security.audit.AuditedAuthentication;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A request authenticated by a signed link: its name is the link's creator, its authorities only
 * the scopes of the operations the link grants ({@code SCOPE_files.read}, {@code
 * SCOPE_files.write}), its details the {@link LinkGrant}. It carries no credentials: the signature
 * is not kept.
 */
public final class SignedLinkAuthentication extends AbstractAuthenticationToken
    implements AuditedAuthentication {

  private static final long serialVersionUID = 1L;

  /** How the audit log names this way of authenticating. */
  public static final String METHOD = "signed-link";

  private final LinkGrant grant;

  public SignedLinkAuthentication(LinkGrant grant) {
    super(
        grant.operations().stream()
            .sorted()
            .map(op -> new SimpleGrantedAuthority(op.authority()))
            .toList());
    this.grant = grant;
    setDetails(grant);
    setAuthenticated(true);
  }

  public LinkGrant grant() {
    return grant;
  }

  @Override
  public Object getCredentials() {
    return null;
  }

  @Override
  public Object getPrincipal() {
    return grant.subject();
  }

  @Override
  public String authenticationMethod() {
    return METHOD;
  }

  @Override
  public Map<String, Object> auditFields() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("bigfile.link.key", grant.keyId());
    f.put("bigfile.link.operations", LinkOperation.render(grant.operations()));
    f.put("bigfile.link.expires", grant.expiresAt().toString());
    return f;
  }
}
