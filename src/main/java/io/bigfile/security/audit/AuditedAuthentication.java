package io.bigfile.security.audit;

import java.util.Map;

/**
 * An authentication that tells the audit log how the request authenticated. An {@code
 * Authentication} (or its details) implementing it is logged with {@link #authenticationMethod()}
 * as {@code bigfile.auth} and its {@link #auditFields()} added to the event.
 */
public interface AuditedAuthentication {

  /** How the request authenticated: {@code token}, {@code oauth2}, {@code signed-link}. */
  String authenticationMethod();

  /** Fields to add to every event of a request so authenticated (never a secret). */
  default Map<String, Object> auditFields() {
    return Map.of();
  }
}
