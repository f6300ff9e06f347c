/**
 * Who may call the service, at the HTTP edge: bearer tokens (static ones from configuration, or
 * JWTs of an OAuth2 authorization server), the scope each endpoint needs ({@link AccessRules}), and
 * the RFC 9457 problems answered for 401 and 403 ({@link ProblemResponses}).
 *
 * <p>Everything here is Spring Security's machinery configured, not replaced: the resource server's
 * {@code BearerTokenAuthenticationFilter} reads the {@code Authorization} header (RFC 6750), a JWT
 * is checked by Nimbus against the issuer's cached keys, a static token by {@link
 * StaticTokenIntrospector} as an opaque token. The engine knows nothing of this: it only compares
 * the owner string of a transaction ({@code io.bigfile.file.RequestContext}), which the web edge
 * takes from the authenticated principal's name.
 *
 * <p>Scopes are authorities {@code SCOPE_<scope>} in every mode, as Spring's JWT converter makes
 * them from a token's {@code scope} or {@code scp} claim; {@code files.admin} grants every other
 * scope ({@link Scope#grantedBy}).
 */
package io.bigfile.security;
