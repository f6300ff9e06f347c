package io.bigfile.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * What a token may do. A token carries scopes by name ({@code files.read}); Spring Security holds
 * them as authorities {@code SCOPE_files.read}. {@link #ADMIN} grants every other scope, and the
 * actuator beyond health.
 */
public enum Scope {
  /** Reads: file JSON, listings, content (ranges, HEAD), data ranges, revisions. */
  READ("files.read"),
  /** Changes: create, write, append, patch, resize, rename; transactions (begin to commit). */
  WRITE("files.write"),
  /** Deleting a file. */
  DELETE("files.delete"),
  /** Everything, and the actuator's endpoints other than health. */
  ADMIN("files.admin");

  private final String scope;

  Scope(String scope) {
    this.scope = scope;
  }

  /** The scope's name, as tokens carry it: {@code files.read}. */
  public String scope() {
    return scope;
  }

  /** The Spring Security authority: {@code SCOPE_files.read}. */
  public String authority() {
    return "SCOPE_" + scope;
  }

  /** The authorities that grant this scope: its own, and {@code files.admin}'s. */
  public String[] grantedBy() {
    return this == ADMIN
        ? new String[] {authority()}
        : new String[] {authority(), ADMIN.authority()};
  }

  /** Whether the authenticated principal holds this scope (or {@code files.admin}). */
  public boolean isGranted(Authentication authentication) {
    if (authentication == null || !authentication.isAuthenticated()) {
      return false;
    }
    return isGranted(authentication.getAuthorities());
  }

  /** Whether these authorities hold this scope (or {@code files.admin}). */
  public boolean isGranted(Collection<? extends GrantedAuthority> authorities) {
    List<String> granting = List.of(grantedBy());
    return authorities.stream().anyMatch(a -> granting.contains(a.getAuthority()));
  }

  /** The scope of this name ({@code files.read}), or null. */
  public static Scope byName(String scope) {
    return Arrays.stream(values()).filter(s -> s.scope.equals(scope)).findFirst().orElse(null);
  }

  /** Every scope's name. */
  public static List<String> names() {
    return Arrays.stream(values()).map(Scope::scope).toList();
  }
}
