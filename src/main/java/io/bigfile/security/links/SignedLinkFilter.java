package io.bigfile.security.links;

import io.bigfile.security.audit.AuditLog;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

/**
 * Authenticates requests made with a signed link. A request whose query carries no {@code link-}
 * parameter passes through untouched. One that does is either authenticated as the link's creator
 * with only the scopes of the link's operations ({@link SignedLinkAuthentication}), or refused at
 * once with a 403 problem, whatever else it carries, without calling the rest of the chain:
 *
 * <ul>
 *   <li>the path must be a file's content, {@code /v1/files/{id}/content}, or for reads {@code
 *       .../content/{anyName}} (the same bytes under a URL that ends in a name, for GDAL);
 *   <li>the key must be configured, the signature must match the path and the parameters (so a link
 *       cannot be used for another file, nor its operation, expiry, revision or creator changed),
 *       the link must not have expired, and the method must be one its operations allow;
 *   <li>a pinned link must be used with its {@code at}, an unpinned one without, and no link with
 *       {@code txn}.
 * </ul>
 *
 * Headers are not part of the signature: Range, If-Range and the rest vary freely.
 *
 * <p>It runs inside the security filter chain only, before bearer-token authentication, in every
 * mode (the configuration keeps it out of the servlet container's own filters). It sets the
 * security context for the rest of the request, so that the chain's authorization sees the link's
 * scopes and no {@code Authorization} header is needed, and restores the previous context
 * afterwards. A bearer token sent along with a link is not looked at: the request is the link's.
 */
public final class SignedLinkFilter extends OncePerRequestFilter {

  /** A content path: the file id, then an optional name segment. */
  private static final Pattern CONTENT =
      Pattern.compile("(/v1/files/[0-9a-f]{16}/content)(?:/([^/]+))?");

  private final LinkSigner signer;
  private final AuditLog audit;
  private SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

  private final SecurityContextRepository repository =
      new RequestAttributeSecurityContextRepository();

  public SignedLinkFilter(LinkSigner signer, AuditLog audit) {
    this.signer = signer;
    this.audit = audit;
  }

  /** The strategy of the security configuration, when it sets one. */
  public void setSecurityContextHolderStrategy(SecurityContextHolderStrategy strategy) {
    this.contexts = strategy;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    LinkGrant grant;
    try {
      LinkParams params = LinkParams.of(request.getQueryString());
      if (params == null) {
        chain.doFilter(request, response);
        return;
      }
      grant = signer.verify(contentPath(request), request.getMethod(), params);
    } catch (LinkRefusedException e) {
      audit.refused(request, HttpServletResponse.SC_FORBIDDEN, e.getMessage(), "signed-link");
      LinkProblems.write(response, e.getMessage(), request.getRequestURI());
      return;
    }
    SecurityContext previous = contexts.getContext();
    SecurityContext context = contexts.createEmptyContext();
    context.setAuthentication(new SignedLinkAuthentication(grant));
    contexts.setContext(context);
    // kept for the request's later dispatches too: a body that arrives slowly is received first,
    // and the request handled on an ASYNC dispatch, where this filter does not run again
    repository.saveContext(context, request, response);
    try {
      chain.doFilter(request, response);
    } finally {
      contexts.setContext(previous);
    }
  }

  /**
   * The content path a request names, which the signature must cover.
   *
   * @throws LinkRefusedException when it is not a file's content, or names it with a segment that
   *     could resolve elsewhere
   */
  private static String contentPath(HttpServletRequest request) throws LinkRefusedException {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    Matcher m = CONTENT.matcher(path);
    if (!m.matches()) {
      throw new LinkRefusedException(
          LinkRefusedException.Reason.WRONG_PATH,
          "a signed link is valid only for its file's content, /v1/files/{id}/content");
    }
    String name = m.group(2);
    if (name != null && !safeName(name)) {
      throw new LinkRefusedException(
          LinkRefusedException.Reason.WRONG_PATH,
          "the name after /content must be a plain file name");
    }
    return m.group(1);
  }

  /** A name that every layer reads as one path segment and nothing else. */
  private static boolean safeName(String raw) {
    if (raw.indexOf(';') >= 0) {
      return false;
    }
    String name;
    try {
      name = UriUtils.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('\\') < 0
        && name.indexOf(';') < 0
        && name.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
  }
}
